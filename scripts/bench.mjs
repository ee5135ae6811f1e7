// `pnpm bench`: what the outbox and four Kafka hops cost, against the floor this machine sets.
// Builds, starts a Postgres cluster of its own (45433, .local/postgres-bench) with fresh `bench_`
// databases and a fresh Kafka broker of its own (49092/49093, .local/kafka-bench), so `pnpm start`
// and the tests are left alone, creates the topics, runs the benchmark (bench/src/main.ts), and
// always stops the broker and the cluster. BENCH_QUICK=1 (or --quick) is a
// ~2 minute run; BENCH_SOAK_SECONDS sets the soak of the full run (300; 0 turns it off).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { databaseServer, prepareDatabases } from "./lib/databases.mjs";
import { environments } from "./lib/environments.mjs";
import { kafka, root, run } from "./lib/run.mjs";

const environment = environments.bench;
const broker = environment.kafka;
const brokers = environment.brokers;
const postgres = databaseServer(environment);
const pidsFile = join(root, ".local", "bench-logs", "pids.json");
rmSync(pidsFile, { force: true });

run(process.execPath, [join(root, "scripts", "build.mjs")]);
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "bench"]);
kafka("reset", broker);

let exitCode = 1;
let child;
let interrupted = false;
const forward = (signal) => {
  interrupted = true;
  child?.kill(signal);
};
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
try {
  postgres.start();
  await prepareDatabases(postgres.adminUrl, { prefix: environment.dbPrefix, fresh: true });
  kafka("start", broker);
  if (interrupted) throw new Error("interrupted");
  run(process.execPath, [join(root, "packages/messaging/dist/create-topics.js")], { env: { ...process.env, KAFKA_BROKERS: brokers } });
  child = spawn(process.execPath, [join(root, "bench", "dist", "main.js"), ...process.argv.slice(2)], {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, BENCH_KAFKA_BROKERS: brokers, BENCH_KAFKA_DIR: broker.KAFKA_DIR, PG_ADMIN_URL: postgres.adminUrl, BENCH_PORT_BASE: String(environment.portBase) },
  });
  exitCode = await new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 130 : 1))));
} catch (error) {
  console.error(error.message);
} finally {
  stopLeftoverServices();
  rmSync(pidsFile, { force: true });
  kafka("stop", broker);
  postgres.stop();
}
process.exit(exitCode);

/** If the benchmark died without stopping its services, stop them: only the pids it started. */
function stopLeftoverServices() {
  let pids = {};
  const leftovers = [];
  try {
    pids = JSON.parse(readFileSync(pidsFile, "utf8"));
  } catch {
    return;
  }
  for (const [name, pid] of Object.entries(pids)) {
    try {
      // Ours: this very script path and the bench broker in its environment (pids get reused).
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (cmdline[1] !== join(root, "services", name, "dist", "main.js") || !environ.includes(`KAFKA_BROKERS=${brokers}`)) continue;
      process.kill(pid, "SIGTERM");
      console.error(`bench: stopping leftover ${name} service (pid ${pid})`);
      leftovers.push(pid);
    } catch {
      // already gone
    }
  }
  // A service that does not stop within 30 s is killed.
  const deadline = Date.now() + 30_000;
  // Gone, or a zombie (PID 1 here may not reap orphans).
  const alive = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  };
  for (const pid of leftovers) {
    while (alive(pid) && Date.now() < deadline) spawnSync("sleep", ["0.2"]);
    if (alive(pid)) {
      process.kill(pid, "SIGKILL");
      console.error(`bench: killed leftover service pid ${pid} (it did not stop within 30 s of SIGTERM)`);
    }
  }
}
