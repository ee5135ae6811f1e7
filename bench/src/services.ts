import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { participants, serviceNames, type ServiceName } from "@saga-shop/contracts";
import { serviceDatabaseUrlOf, settings } from "./config";
import { httpJson } from "./http";
import { sleep } from "./stats";

// The four services as the real processes `node services/<s>/dist/main.js` (of this checkout, or
// of BENCH_SERVICES_ROOT's, run by BENCH_SERVICES_NODE), against the bench broker and the bench_
// databases, on ports 6001–6004 (their participant APIs on 6102–6104), logging at warn.

export { serviceNames, type ServiceName };

/** The service's entry point in the checkout being measured (its migrations are found from there). */
export const serviceMainOf = (name: ServiceName) => join(settings.services.root, "services", name, "dist", "main.js");

export interface ServiceProcess {
  name: ServiceName;
  pid: number;
  port: number;
  child: ChildProcess;
}

async function startOne(name: ServiceName): Promise<ServiceProcess> {
  const port = settings.ports[name];
  // Straight into the file: the service's output must not depend on this process reading it.
  const log = openSync(join(settings.logDir, `${name}.log`), "a");
  // BENCH_PROFILE=1: a V8 CPU profile per service, written when it stops (see profile-summary.ts).
  const profile = settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(settings.profileDir, name)}`] : [];
  const child = spawn(settings.services.node, [...profile, serviceMainOf(name)], {
    cwd: settings.services.root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: serviceDatabaseUrlOf(name),
      KAFKA_BROKERS: settings.kafkaBrokers,
      LOG_LEVEL: "warn",
      LOG_PRETTY: "0",
      // The two-phase commit: each participant's API 100 above its port (the services' default), the coordinator told where.
      TWO_PHASE_COMMIT_TOKEN: settings.twoPhaseCommitToken,
      PARTICIPANT_URLS: participants.map((p) => `${p}=http://127.0.0.1:${settings.ports[p] + 100}`).join(","),
      // The account (BENCH_ACCOUNT=1): Kafka requests counted, written on SIGUSR2.
      ...(settings.account.on ? { KAFKA_COUNT_REQUESTS: settings.account.countsDir } : {}),
    },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const started: ServiceProcess = { name, pid: child.pid!, port, child };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start; see ${join(settings.logDir, `${name}.log`)}`);
    }
    try {
      if ((await httpJson(port, "GET", "/health/ready")).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopServices([started]);
      throw new Error(`${name} not ready after 60 s`);
    }
    await sleep(200);
  }
  return started;
}

export async function startServices(): Promise<ServiceProcess[]> {
  rmSync(settings.logDir, { recursive: true, force: true });
  mkdirSync(settings.logDir, { recursive: true });
  if (settings.profile) rmSync(settings.profileDir, { recursive: true, force: true });
  const results = await Promise.allSettled(serviceNames.map(startOne));
  const running = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await stopServices(running);
    throw failed.reason;
  }
  return running;
}

export async function stopServices(services: readonly ServiceProcess[]): Promise<void> {
  await Promise.all(
    services.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

export const alive = (s: ServiceProcess) => s.child.exitCode === null && s.child.signalCode === null;
