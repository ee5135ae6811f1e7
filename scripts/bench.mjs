// `pnpm bench`: what the outbox and four Kafka hops cost, against the floor this machine sets.
// Builds, starts a Postgres cluster of its own (17433, .local/postgres-bench) with fresh `bench_`
// databases and a fresh Kafka broker of its own (21092/21093, .local/kafka-bench), so `pnpm start`
// and the tests are left alone, creates the topics, runs the benchmark (bench/src/main.ts), and
// always stops the broker and the cluster. BENCH_QUICK=1 (or --quick) is a
// ~3 minute run; BENCH_SOAK_SECONDS sets the soak of the full run (300; 0 turns it off).
//
// `pnpm bench --against <git-ref>` compares two builds in one invocation, and `--against-node
// <node>` two runtimes (both may be given): side A is the ref (or HEAD) run by that Node (or this
// one), side B the HEAD commit run by this Node. Each side is built from a clean tree of its
// commit in .local/bench-builds/<commit> (scripts/lib/bench-builds.mjs); then runs alternate,
// A B A B … (BENCH_PAIRS pairs, 2 by default), each one from scratch as above, measured by this
// checkout's harness; the report gives each side's figures per run and the ratios B/A
// (bench/src/compare.ts), in results/bench-compare-<time>.{json,md}.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { buildStateOf, ensureBuild, serviceFoldersOf } from "./lib/bench-builds.mjs";
import { databaseServer, prepareDatabases } from "./lib/databases.mjs";
import { environments } from "./lib/environments.mjs";
import { kafka, root, run, services } from "./lib/run.mjs";

const environment = environments.bench;
const broker = environment.kafka;
const brokers = environment.brokers;
const postgres = databaseServer(environment);
const pidsFile = join(root, ".local", "bench-logs", "pids.json");
// BENCH_ACCOUNT=1 (bench/src/account.ts) counts statements with pg_stat_statements, which must be
// loaded at server start: the bench cluster only, and only for such a run.
const accounting = process.env.BENCH_ACCOUNT === "1";

run(process.execPath, [join(root, "scripts", "build.mjs")]);
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "bench"]);
// The harness's pure parts, just compiled: the options, the comparison plan and its report.
const require = createRequire(import.meta.url);
const against = require(join(root, "bench", "dist", "against.js"));
const compare = require(join(root, "bench", "dist", "compare.js"));

let args;
try {
  args = against.parseBenchArgs(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exit(2);
}

let child;
let interrupted = false;
const forward = (signal) => {
  interrupted = true;
  child?.kill(signal);
};
process.on("SIGINT", forward);
process.on("SIGTERM", forward);

if (accounting && against.comparing(args)) {
  console.error("bench: BENCH_ACCOUNT=1 is one run of one build; it does not combine with --against or --against-node");
  process.exit(2);
}
if (!against.comparing(args)) process.exit(await benchRun({ args: args.rest }));
try {
  process.exit(await comparison(args));
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exit(interrupted ? 130 : 1);
}

/**
 * One run from scratch: a fresh broker and fresh databases, the topics, bench/dist/main.js
 * (which starts the services of `servicesRoot` and measures them), and everything stopped at the
 * end. `env` goes to main.js. Resolves with its exit code.
 */
async function benchRun({ args: mainArgs, env = {}, servicesRoot = root }) {
  rmSync(pidsFile, { force: true });
  let exitCode = 1;
  try {
    kafka("reset", broker);
    postgres.start(accounting ? [["shared_preload_libraries", "pg_stat_statements"]] : []);
    await prepareDatabases(postgres.adminUrl, { prefix: environment.dbPrefix, fresh: true });
    kafka("start", broker);
    if (interrupted) throw new Error("interrupted");
    // The side's own topics: its saga map may name others than this checkout's.
    run(process.execPath, [join(servicesRoot, "packages/messaging/dist/create-topics.js")], { env: { ...process.env, KAFKA_BROKERS: brokers } });
    if (interrupted) throw new Error("interrupted");
    child = spawn(process.execPath, [join(root, "bench", "dist", "main.js"), ...mainArgs], {
      stdio: "inherit",
      cwd: root,
      env: { ...process.env, ...env, BENCH_KAFKA_BROKERS: brokers, BENCH_KAFKA_DIR: broker.KAFKA_DIR, PG_ADMIN_URL: postgres.adminUrl, BENCH_PORT_BASE: String(environment.portBase) },
    });
    exitCode = await new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 130 : 1))));
    child = undefined;
  } catch (error) {
    console.error(error.message);
  } finally {
    stopLeftoverServices(servicesRoot);
    rmSync(pidsFile, { force: true });
    kafka("stop", broker);
    postgres.stop();
  }
  return interrupted ? 130 : exitCode;
}

/** A git command's output in this checkout, or undefined if it fails. */
function git(...gitArgs) {
  const result = spawnSync("git", gitArgs, { cwd: root, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The Node version a binary reports, or why it cannot be used. */
function nodeVersionOf(node) {
  if (!existsSync(node)) return { error: `${node} does not exist` };
  const result = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" });
  if (result.status !== 0) return { error: `${node} -p process.versions.node failed: ${(result.error?.message ?? result.stderr).trim()}` };
  return { version: result.stdout.trim() };
}

/** `--against` / `--against-node`: build both sides, run them alternately, report B/A. */
async function comparison(options) {
  const startedAt = new Date();
  const pairs = against.parsePairs(process.env.BENCH_PAIRS);
  const head = git("rev-parse", "--verify", "HEAD^{commit}");
  if (!head) throw new Error("cannot compare: this checkout has no HEAD commit");
  let againstCommit;
  if (options.against !== undefined) {
    againstCommit = git("rev-parse", "--verify", "--quiet", `${options.against}^{commit}`);
    if (!againstCommit) throw new Error(`--against ${options.against}: not a commit in this repository`);
  }
  const { a, b } = against.planSides({ args: options, head, againstCommit, currentNode: process.execPath });
  const info = {};
  for (const side of [a, b]) {
    const node = nodeVersionOf(side.node);
    if (node.error) throw new Error(`side ${side.name}: cannot run its services: ${node.error}`);
    info[side.name] = { ref: side.ref, commit: side.commit, node: side.node, nodeVersion: node.version, dir: against.buildDirOf(root, side.commit) };
  }
  const label = (name) => `${name} (${against.refName(info[name].ref, info[name].commit)}, Node ${info[name].nodeVersion})`;
  const order = against.runOrder(pairs);
  const sameBuild = against.sameSides(a, b);
  const mode = process.env.BENCH_QUICK === "1" || options.rest.includes("--quick") ? "quick" : "full";
  console.log(`\nbench: comparing side ${label("A")} with side ${label("B")}: ratios are B/A`);
  console.log(`bench: ${pairs} pair${pairs === 1 ? "" : "s"}, run ${order.join(" ")}, each a ${mode} run (${mode === "quick" ? "~3" : "~10"} min) from scratch, measured by this checkout's harness`);
  if (sameBuild) console.log("bench: both sides are the same build run by the same Node: the ratios will show the machine's noise");
  if ((git("status", "--porcelain", "--untracked-files=no") ?? "") !== "") {
    console.log("bench: the working tree has uncommitted changes: B is the HEAD commit without them (only the harness, bench/, is taken as it is here)");
  }

  // 1. The builds: one per distinct commit, each reused if it was made before.
  const plan = against.planBuilds([a, b], root, (dir) => buildStateOf(dir, against.BUILD_MARKER));
  for (const step of plan) {
    const names = [a, b].filter((s) => s.commit === step.commit).map((s) => s.name);
    const refs = [...new Set(names.map((n) => against.refName(info[n].ref, step.commit)))].join(", ");
    const why = ensureBuild(step, { label: `${names.join(" and ")} (${refs})`, marker: against.BUILD_MARKER });
    if (interrupted) throw new Error("interrupted");
    if (why) throw new Error(`cannot benchmark ${refs} this way: ${why}`);
  }
  for (const side of [a, b]) {
    const dir = info[side.name].dir;
    const unfit = against.unfitForHarness(services, serviceFoldersOf(dir), (p) => existsSync(join(dir, p)));
    if (unfit) throw new Error(`cannot benchmark ${against.refName(side.ref, side.commit)} with this harness: ${unfit}`);
  }

  // 2. The runs, alternating.
  const stamp = startedAt.toISOString().replace(/[:]/g, "-").replace(/\.\d+Z$/, "Z");
  const runsDir = join(root, "results", `bench-compare-${stamp}`);
  mkdirSync(runsDir, { recursive: true });
  const runs = [];
  for (const [k, name] of order.entries()) {
    const side = info[name];
    const file = join(runsDir, `run-${k + 1}-${name}.json`);
    console.log(`\n=== bench: run ${k + 1} of ${order.length}: side ${label(name)} (${relative(root, side.dir)}) ===`);
    const code = await benchRun({
      args: options.rest,
      servicesRoot: side.dir,
      env: {
        BENCH_SERVICES_ROOT: side.dir,
        BENCH_SERVICES_NODE: side.node,
        BENCH_SERVICES_COMMIT: side.commit.slice(0, 7),
        BENCH_RESULTS_FILE: file,
        // The headline figures compared are the choreography's; older builds know no other model.
        BENCH_MODELS: process.env.BENCH_MODELS ?? "choreography",
      },
    });
    if (interrupted) throw new Error("interrupted");
    if (code !== 0 || !existsSync(file)) {
      throw new Error(`run ${k + 1} (side ${name}, ${side.ref}) failed (exit ${code}); its services' logs are in .local/bench-logs. The comparison stops here.`);
    }
    const results = JSON.parse(readFileSync(file, "utf8"));
    runs.push({ side: name, file: relative(root, file), results });
    console.log(
      `=== bench: run ${k + 1} (${name}): floor ${results.floor.saga.happyLatencyMs} ms, one at a time p50 ${results.light.happy.latency.dbMs.p50} ms, ` +
        `highest ${results.maxThroughput.perSecond} sagas/s, ${results.meta.durationSeconds.toFixed(0)} s; full report: node bench/dist/render.js ${relative(root, file)}`,
    );
  }

  // 3. The report.
  const result = compare.compareRuns({ runs, sides: info, sameBuild, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), order });
  const out = join(root, "results", `bench-compare-${stamp}`);
  writeFileSync(`${out}.json`, JSON.stringify(result, null, 2));
  writeFileSync(`${out}.md`, compare.comparisonMarkdown(result));
  process.stdout.write(compare.formatComparison(result));
  console.log(`results: ${relative(root, out)}.json and .md; each run's results in ${relative(root, runsDir)}/`);
  return 0;
}

/** If the benchmark died without stopping its services, stop them: only the pids it started. */
function stopLeftoverServices(servicesRoot) {
  let pids = {};
  const leftovers = [];
  try {
    pids = JSON.parse(readFileSync(pidsFile, "utf8"));
  } catch {
    return;
  }
  for (const [name, pid] of Object.entries(pids)) {
    try {
      // Ours: this very script path (after the Node options, e.g. --cpu-prof) and the bench broker in its environment (pids get reused).
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (!cmdline.slice(1).includes(join(servicesRoot, "services", name, "dist", "main.js")) || !environ.includes(`KAFKA_BROKERS=${brokers}`)) continue;
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
