import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { serviceNames, services, type ServiceName } from "@saga-shop/contracts";
import { adminUrl } from "../../test-support/postgres";

// The four services as real processes, against the test broker and the `test_` databases that
// `pnpm test` prepares on its Postgres cluster (scripts/test.mjs). Each service's log goes to .local/e2e-logs/<name>.log.

export const root = join(__dirname, "..", "..");
export { serviceNames, type ServiceName };

// TEST_PORT_BASE keeps suites that run side by side apart (e2e 4000, chaos 5000): a service
// listens on the base plus its port's last digits in the saga map (order 3001 -> 4001).
const portBase = Number(process.env.TEST_PORT_BASE ?? 4000);
export const portOf = (service: ServiceName, instance = 1) => portBase + (services[service].port % 1000) + (instance - 1) * 10;
export const urlOf = (service: ServiceName, instance = 1) => `http://127.0.0.1:${portOf(service, instance)}`;
/** A service's own database and role on the run's server (see test-support/postgres.ts). */
export const databaseUrlOf = (service: ServiceName) => {
  const name = `${process.env.TEST_DB_PREFIX ?? "test_"}${service}_service`;
  return `postgresql://${name}:${name}@${new URL(adminUrl()).host}/${name}`;
};

/** The two-phase commit's participant APIs: 100 above each service's port (instance 1's, for the coordinator). */
export const participantUrlOf = (service: ServiceName) => `http://127.0.0.1:${portOf(service) + 100}`;
const twoPhaseCommitEnv = {
  TWO_PHASE_COMMIT_TOKEN: process.env.TWO_PHASE_COMMIT_TOKEN ?? "test-two-phase-commit-token",
  PARTICIPANT_URLS: (["user", "payment", "delivery"] as const).map((s) => `${s}=${participantUrlOf(s)}`).join(","),
};

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

export class RunningService {
  constructor(
    readonly name: ServiceName,
    private child: ChildProcess,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill(signal);
    await done;
  }
}

export interface Launch {
  instance?: number;
  logFile: string;
  logLevel?: string;
  kafkaBrokers?: string;
  /** More environment for this process (e.g. a test's pause). */
  env?: Record<string, string>;
}

/**
 * One service as a real process against the test broker and databases. Its output goes straight
 * into its log file: it never depends on this process reading it, even after this one dies.
 */
export function spawnService(name: ServiceName, { instance = 1, logFile, logLevel = "info", kafkaBrokers, env = {} }: Launch): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, "a");
  try {
    return spawn(process.execPath, [join(root, "services", name, "dist", "main.js")], {
      env: {
        ...process.env,
        PORT: String(portOf(name, instance)),
        ...twoPhaseCommitEnv,
        // A coordinator restarted under its name resumes its own two-phase commits at once.
        ...(name === "order" && { COORDINATOR_ID: `order-${instance}` }),
        // A second instance says so in its logs (payment-2), as `pnpm start --instances` names them.
        ...(instance > 1 && { INSTANCE_NAME: `${name}-${instance}` }),
        DATABASE_URL: databaseUrlOf(name),
        KAFKA_BROKERS: kafkaBrokers ?? process.env.KAFKA_BROKERS ?? "127.0.0.1:19092",
        LOG_LEVEL: logLevel,
        LOG_PRETTY: "0",
        ...env,
      },
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
}

export async function startService(name: ServiceName, instance = 1, env: Record<string, string> = {}): Promise<RunningService> {
  const logFile = join(root, ".local", process.env.TEST_LOG_DIR ?? "e2e-logs", `${name}-${instance}.log`);
  const child = spawnService(name, { instance, logFile, env });
  const service = new RunningService(name, child);
  await waitFor(`${name} service to be ready`, async () => {
    if (service.exited) throw new Error(`${name} exited during start; see ${logFile}`);
    const response = await fetch(`${urlOf(name, instance)}/health/ready`);
    return response.ok ? true : undefined;
  });
  return service;
}

export async function startSystem(): Promise<RunningService[]> {
  return Promise.all(serviceNames.map((name) => startService(name)));
}

/** For a test file: the four services start before its first test and stop after its last. */
export function runSystemAroundTests(): void {
  let system: RunningService[] = [];
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await Promise.all(system.map((service) => service.stop()));
  });
}

export async function api<T = any>(service: ServiceName, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await fetch(`${urlOf(service)}${path}`, {
    ...rest,
    headers: { ...(json !== undefined && { "content-type": "application/json" }), ...(rest.headers ?? {}) },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}
