import { execFile, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { root, serviceNames, spawnService, urlOf, type ServiceName } from "../../e2e/support/system";
import { chaosEnv, progress, sleep } from "./env";

// The services as real processes, with a supervisor's habits: a service that exits on its own
// (the services exit when kafkajs gives up on a consumer, or when they cannot start, and expect
// to be restarted) is started again after a second, and each such exit is counted.

const run = promisify(execFile);
const logDir = join(root, ".local", process.env.TEST_LOG_DIR ?? "chaos-logs");

export interface SelfExit {
  service: string;
  at: string;
  code: number | null;
  signal: string | null;
  /**
   * "could not start" and "consumer gave up" are exits the services choose, so that their
   * supervisor starts them afresh; "crash" is anything else (an uncaught error: a bug).
   */
  kind: "could not start" | "consumer gave up" | "crash";
  /** For a crash, the error's first lines. */
  error?: string;
}

/** The last 8 KiB a process wrote to its log since `offset`. */
function lastWords(logFile: string, offset: number): string {
  return readFileSync(logFile).subarray(offset).subarray(-8192).toString();
}

/** Why a process ended, from what it last wrote (JSON log lines, then whatever Node printed). */
function classifyExit(output: string): Pick<SelfExit, "kind" | "error"> {
  if (/service failed to start/.test(output)) return { kind: "could not start" };
  if (/will not restart; exiting/.test(output)) return { kind: "consumer gave up" };
  const lines = output
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("{") && !/^\s+at |^\s*\^|node:events|throw er;/.test(l));
  return { kind: "crash", error: lines.slice(0, 3).join(" | ").slice(0, 300) };
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private expectingExit = false;
  private supervised = true;
  starts = 0;
  kills = 0;
  readonly selfExits: SelfExit[] = [];

  constructor(
    readonly name: ServiceName,
    readonly instance = 1,
    private readonly logLevel = "info",
  ) {}

  get label(): string {
    return this.instance === 1 ? this.name : `${this.name}#${this.instance}`;
  }
  get url(): string {
    return urlOf(this.name, this.instance);
  }
  get logFile(): string {
    return join(logDir, `${this.name}-${this.instance}.log`);
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  private spawn(): void {
    // What this run writes starts here: the file also holds the runs before it.
    const offset = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const child = spawnService(this.name, {
      instance: this.instance,
      logFile: this.logFile,
      logLevel: this.logLevel,
      kafkaBrokers: chaosEnv.brokers.join(","),
    });
    this.child = child;
    this.starts++;
    child.once("exit", (code, signal) => {
      if (child !== this.child || this.expectingExit || !this.supervised) return;
      const why = classifyExit(lastWords(this.logFile, offset));
      this.selfExits.push({ service: this.label, at: new Date().toISOString(), code, signal, ...why });
      progress(
        `${this.label} exited by itself (${why.kind}${why.error ? `: ${why.error}` : ""}, code ${code ?? signal}); ` +
          `restarting it as a supervisor would (log: ${this.logFile})`,
      );
      setTimeout(() => {
        if (this.child === child && this.supervised && !this.expectingExit) this.spawn();
      }, 1000);
    });
  }

  /** Waits until /health/ready answers 200 (database and Kafka reachable). */
  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(3000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${this.label} not ready after ${timeoutMs} ms; see ${this.logFile}`);
  }

  async start(): Promise<void> {
    this.supervised = true;
    this.expectingExit = false;
    if (!this.alive) this.spawn();
    await this.ready();
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL: no shutdown code runs, whatever was in flight is cut off. */
  async kill(): Promise<void> {
    this.expectingExit = true;
    await this.signal("SIGKILL", 0);
    this.kills++;
    this.expectingExit = false;
  }

  /** Kills it, leaves it down for `downMs`, starts it again on the same port and waits until it is ready. */
  async crashAndRestart(downMs: number): Promise<void> {
    this.expectingExit = true;
    await this.signal("SIGKILL", 0);
    this.kills++;
    await sleep(downMs);
    this.expectingExit = false;
    if (!this.alive) this.spawn();
    await this.ready();
  }

  /** SIGTERM: the graceful shutdown (finish in-flight work, leave the consumer group). */
  async stop(): Promise<void> {
    this.supervised = false;
    this.expectingExit = true;
    await this.signal("SIGTERM", 25_000);
  }
}

export class Fleet {
  readonly services: ServiceProcess[];
  constructor(logLevel = "info") {
    this.services = serviceNames.map((name) => new ServiceProcess(name, 1, logLevel));
  }
  get(name: ServiceName, instance = 1): ServiceProcess {
    const found = this.services.find((s) => s.name === name && s.instance === instance);
    if (!found) throw new Error(`no ${name}#${instance} in this fleet`);
    return found;
  }
  add(name: ServiceName, instance: number, logLevel = "info"): ServiceProcess {
    const service = new ServiceProcess(name, instance, logLevel);
    this.services.push(service);
    return service;
  }
  async start(): Promise<void> {
    await Promise.all(this.services.map((s) => s.start()));
  }
  async stop(): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop()));
  }
  get selfExits(): SelfExit[] {
    return this.services.flatMap((s) => s.selfExits);
  }
  /** Exits that were not the service's choice: uncaught errors. */
  get crashes(): SelfExit[] {
    return this.selfExits.filter((e) => e.kind === "crash");
  }
  get kills(): number {
    return this.services.reduce((sum, s) => sum + s.kills, 0);
  }
}

/** Restarts the chaos run's own broker (scripts/kafka.sh stop, then start), never another one. */
export async function restartKafka(): Promise<void> {
  const { KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DIR } = chaosEnv.kafka;
  if (!KAFKA_PORT || !KAFKA_CONTROLLER_PORT || !KAFKA_DIR || !chaosEnv.brokers.includes(`127.0.0.1:${KAFKA_PORT}`)) {
    throw new Error("KAFKA_PORT, KAFKA_CONTROLLER_PORT and KAFKA_DIR must describe the broker in KAFKA_BROKERS (run `pnpm test:chaos`)");
  }
  const env = { ...process.env, KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DIR };
  const script = join(root, "scripts", "kafka.sh");
  await run("bash", [script, "stop"], { env, cwd: root });
  await run("bash", [script, "start"], { env, cwd: root, timeout: 120_000 });
}

/**
 * Disrupts the chaos run's own Postgres cluster (scripts/postgres.mjs), never another server:
 * "restart" is a clean restart (every connection cut), "crash" SIGKILLs the postmaster and
 * starts it again, so the server comes back through crash recovery.
 */
export async function disruptPostgres(how: "restart" | "crash"): Promise<void> {
  if (!chaosEnv.postgresCluster) throw new Error("no Postgres cluster of the suite's own to disrupt (run `pnpm test:chaos` without PG_ADMIN_URL)");
  await run(process.execPath, [join(root, "scripts", "postgres.mjs"), chaosEnv.postgresCluster, how], { cwd: root, timeout: 120_000 });
}
