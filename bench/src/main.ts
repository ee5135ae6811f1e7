import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus, release, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { account } from "./account";
import { ResilientClient } from "./db";
import { breakdownOf, describeBreakdown } from "./breakdown";
import { root, settings, superuserUrlOf } from "./config";
import { measureHttpFloor, measureKafkaFloor, measurePostgresFloor, modelFloor, type Floors } from "./floor";
import { closeHttp } from "./http";
import { closedLoop, latencyOf, openLoop, sequential, type ClosedStep, type LoadContext, type OpenRun, type RunResult } from "./load";
import { cpuSecondsOf, loadAverage, machineCpu, readPidFile } from "./proc";
import { note, phase, progress } from "./progress";
import { chartOf, formatReport, markdownModels, markdownTable, type BenchResults, type ModelRun, type SoakResult, type Target } from "./report";
import { Resources } from "./resources";
import { countsByModel, explainCounts, sagaCounts, type Model } from "./saga-counts";
import { alive, startServices, stopServices, type ServiceProcess } from "./services";
import { createUsers, OrderDatabase } from "./shop";
import { round, sleep, slope, } from "./stats";

// `pnpm bench`: the floor first, then the saga at light load, under rising closed-loop load,
// at fixed open-loop rates, and (full run) a soak; a table, JSON in results/, and a chart.
// scripts/bench.mjs builds, prepares the bench_ databases and the bench broker, then runs this.

let services: ServiceProcess[] = [];
let stopping = false;

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  note(`${signal}: stopping the services`);
  await stopServices(services);
  process.exit(130);
}
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("uncaughtException", (error) => {
  console.error(`\nbench failed: ${error.stack ?? String(error)}`);
  void stopServices(services).finally(() => process.exit(1));
});
process.once("SIGTERM", () => void shutdown("SIGTERM"));

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

function kafkaVersion(): string {
  try {
    const jar = readdirSync(join(root, ".local", "kafka-lib")).find((f) => /^kafka_2\.\d+-.+\.jar$/.test(f));
    return jar?.replace(/^kafka_2\.\d+-(.+)\.jar$/, "$1") ?? "?";
  } catch {
    return "?";
  }
}

/** Whose services this run measures, and which Node runs them (BENCH_SERVICES_ROOT, BENCH_SERVICES_NODE). */
function measuredServices(harness: { commit: string; dirty: boolean }): NonNullable<BenchResults["meta"]["services"]> {
  const { root: servicesRoot, node, commit } = settings.services;
  let nodeVersion = process.versions.node;
  if (node !== process.execPath) {
    try {
      nodeVersion = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    } catch (error) {
      throw new Error(`BENCH_SERVICES_NODE=${node} does not run: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const ownCommit = servicesRoot === root ? `${harness.commit}${harness.dirty ? "+changes" : ""}` : "?";
  return { root: servicesRoot, commit: commit ?? ownCommit, node, nodeVersion };
}

/** When Postgres last started: a restart during the run (someone else's doing) would show in the numbers. */
async function postgresStartedAt(): Promise<string> {
  const client = new ResilientClient(superuserUrlOf("postgres"));
  try {
    return (await client.query("SELECT pg_postmaster_start_time()::text AS t")).rows[0].t;
  } finally {
    await client.end();
  }
}

/** Cores busy on the whole machine while `work` runs, and how much of that was this process and the broker. */
async function busyDuring<T>(work: () => Promise<T>, brokerPid?: number): Promise<{ value: T; machineBusyCores: number; harnessCores: number; brokerCores: number; otherCores: number }> {
  const m0 = machineCpu();
  const h0 = process.cpuUsage();
  const b0 = brokerPid ? (cpuSecondsOf(brokerPid) ?? 0) : 0;
  const t0 = Date.now();
  const value = await work();
  const seconds = (Date.now() - t0) / 1000;
  const h = process.cpuUsage(h0);
  const machineBusyCores = (machineCpu().busy - m0.busy) / seconds;
  const harnessCores = (h.user + h.system) / 1e6 / seconds;
  const brokerCores = brokerPid ? ((cpuSecondsOf(brokerPid) ?? 0) - b0) / seconds : 0;
  return {
    value,
    machineBusyCores: round(machineBusyCores),
    harnessCores: round(harnessCores),
    brokerCores: round(brokerCores),
    otherCores: round(Math.max(0, machineBusyCores - harnessCores - brokerCores)),
  };
}

async function main() {
  const startedAt = new Date();
  const phaseSeconds: Record<string, number> = {};
  let phaseStart = Date.now();
  const endPhase = (name: string) => {
    phaseSeconds[name] = round((Date.now() - phaseStart) / 1000, 1);
    phaseStart = Date.now();
  };
  const loadAtStart = loadAverage();
  // What was built (scripts/bench.mjs builds just before): the tree may change while this runs.
  const gitAtStart = { commit: git("rev-parse", "--short", "HEAD"), dirty: git("status", "--porcelain").length > 0 };
  const servicesMeta = measuredServices(gitAtStart);
  const pgStartedAt = await postgresStartedAt();
  process.stderr.write(
    `saga-shop benchmark, ${settings.mode} run${settings.soak.seconds > 0 ? `, soak ${settings.soak.seconds} s` : ""}; ` +
      `broker ${settings.kafkaBrokers}, ${settings.dbPrefix}* databases, services on ports ${Object.values(settings.ports).join(", ")}\n`,
  );
  if (servicesMeta.root !== root || servicesMeta.node !== process.execPath) {
    process.stderr.write(`  services measured: ${servicesMeta.root} (commit ${servicesMeta.commit}), run by Node ${servicesMeta.nodeVersion} (${servicesMeta.node})\n`);
  }
  for (const l of explainCounts(settings.models)) process.stderr.write(`  ${l}\n`);
  for (const port of Object.values(settings.ports)) {
    if (await portInUse(port)) throw new Error(`port ${port} is already in use: is another benchmark running?`);
  }
  const brokerPid = readPidFile(join(settings.kafkaDir, "kafka.pid"));
  // Is the machine quiet? Other programs' CPU shows up in every figure below.
  const before = await busyDuring(() => sleep(3000), brokerPid);
  const quiet = { machineBusyCores: before.machineBusyCores, otherCores: before.otherCores };
  if (quiet.otherCores > 0.2) {
    note(`warning: other programs keep ${quiet.otherCores} of ${cpus().length} cores busy; the figures will be disturbed (see "not ours" below)`);
  }

  // 1. The floor, on a quiet machine: the services are not started yet.
  phase("floor: Kafka (kafkajs, the services' producer and consumer settings)");
  const kafkaRun = await busyDuring(measureKafkaFloor, brokerPid);
  const kafkaFloor = kafkaRun.value;
  note(`hop p50 ${kafkaFloor.hopMs.p50} ms, p99 ${kafkaFloor.hopMs.p99} ms; batched ${kafkaFloor.batch.messagesPerSecond} messages/s`);
  phase("floor: Postgres (node-postgres)");
  const pgRun = await busyDuring(measurePostgresFloor, brokerPid);
  const pgFloor = pgRun.value;
  note(`commit p50 ${pgFloor.commitMs.p50} ms, p99 ${pgFloor.commitMs.p99} ms; ${pgFloor.rate.commitsPerSecond} commits/s with ${pgFloor.rate.clients} clients`);
  phase("floor: HTTP between two processes (fetch, as the coordinator calls its participants)");
  const httpFloor = await measureHttpFloor();
  note(`HTTP round trip p50 ${httpFloor.roundTripMs.p50} ms, p99 ${httpFloor.roundTripMs.p99} ms`);
  const floors: Floors = { kafka: kafkaFloor, postgres: pgFloor, http: httpFloor };
  for (const model of settings.models) {
    const f = modelFloor(countsByModel[model], floors);
    note(`${model} floor: ${f.formula.latency} = ${f.happyLatencyMs} ms; ${f.formula.throughput} = ${f.throughputPerSecond} orders/s`);
  }
  const floor = modelFloor(sagaCounts, floors);
  endPhase("floor");

  // 2. The system.
  phase("starting the four services");
  services = await startServices();
  mkdirSync(settings.logDir, { recursive: true });
  writeFileSync(join(settings.logDir, "pids.json"), JSON.stringify(Object.fromEntries(services.map((s) => [s.name, s.pid]))));
  const resources = new Resources(services, brokerPid);
  await resources.open();
  resources.startSampling();
  const db = new OrderDatabase();
  await db.connect();
  const users = await createUsers(settings.users);
  const rssAtStartMb = resources.currentRss();
  note(`ready: ${services.map((s) => `${s.name} pid ${s.pid}`).join(", ")}; ${users.length} users`);
  const ctx = { users, db, resources, model: "choreography" as Model };
  const under = (model: Model) => ({ ...ctx, model });
  endPhase("start");

  try {
    phase(`warm-up (consumer groups join, JIT, connection pools): ${settings.models.join(", ")}`);
    for (const model of settings.models) await sequential(under(model), "happy", settings.warmup.sequential, `warm-up, ${model}, one at a time`, false);
    for (const model of settings.models) await closedLoop(under(model), settings.warmup.concurrency, 0, settings.warmup.seconds);
    const idleBefore = await resources.snapshot();
    progress(`idle for ${settings.idleSeconds} s`);
    await sleep(settings.idleSeconds * 1000);
    const idleUsage = Resources.usage(idleBefore, await resources.snapshot());
    const idleCores = Object.fromEntries(Object.entries(idleUsage.cpuSeconds).map(([k, v]) => [k, round(v / idleUsage.wallSeconds, 3)]));
    endPhase("warm-up + idle");
    if (settings.account.on) {
      await account(ctx, services, brokerPid);
      return;
    }

    // Between phases: let the work of the last one (timeline steps, closing events) finish first.
    const idleTotal = Object.values(idleCores).reduce((a, b) => a + b, 0);
    const settle = async () => {
      for (let i = 0; i < 30; i++) {
        const a = await resources.snapshot();
        await sleep(1000);
        const u = Resources.usage(a, await resources.snapshot());
        const cores = Object.values(u.cpuSeconds).reduce((x, y) => x + y, 0) / u.wallSeconds;
        progress(`settling: ${cores.toFixed(2)} cores busy (idle: ${idleTotal.toFixed(2)})`);
        if (cores < idleTotal + 0.15) return;
      }
    };

    // 3. Each model: one order at a time, then a closed loop of rising concurrency; the same
    // services, the same users, one model after the other.
    const runs: ModelRun[] = [];
    for (const model of settings.models) runs.push(await measureModel(under(model), floors, settle, endPhase));
    const chor = runs[0]!;
    const { happy } = chor.light;
    const closed = chor.closedLoop;
    const best = closed.find((s) => s.concurrency === chor.maxThroughput.concurrency)!;
    const maxRate = chor.maxThroughput.perSecond;

    // 5. Open loop at fixed fractions of that rate.
    phase(`open loop: ${settings.open.fractions.map((f) => `${f * 100}%`).join(" and ")} of ${maxRate}/s, ${settings.open.seconds} s each`);
    const open: OpenRun[] = [];
    for (const fraction of settings.open.fractions) {
      await settle();
      const rate = Math.max(1, Math.round(maxRate * fraction));
      const run = await openLoop(ctx, rate, settings.open.warmupSeconds, settings.open.seconds, `open loop ${fraction * 100}%`);
      open.push(run);
      note(
        `${rate}/s offered: ${run.throughput}/s completed, p50 ${run.latency.dbMs.p50} ms, p95 ${run.latency.dbMs.p95}, p99 ${run.latency.dbMs.p99}, max ${run.latency.dbMs.max}; ` +
          `${run.cpu.otherCores} cores not ours`,
      );
    }
    endPhase("open loop");

    // 6. Soak: memory over time at a steady rate.
    let soak: SoakResult | undefined;
    if (settings.soak.seconds > 0) {
      const rate = Math.max(1, Math.round(maxRate * settings.soak.fraction));
      phase(`soak: ${settings.soak.seconds} s at ${rate}/s, RSS every ${settings.soak.sampleSeconds} s`);
      await settle();
      resources.timelineEveryMs = settings.soak.sampleSeconds * 1000;
      const soakStart = Date.now();
      const run = await openLoop(ctx, rate, 0, settings.soak.seconds, "soak");
      const soakEnd = soakStart + settings.soak.seconds * 1000;
      soak = summarizeSoak(run, rate, resources, soakStart, soakEnd);
      note(`soak: ${run.throughput}/s, p50 ${run.latency.dbMs.p50} ms, p99 ${run.latency.dbMs.p99} ms; ${soak.growth}`);
      endPhase("soak");
    }

    // 7. Results.
    const hopFloorMs = kafkaFloor.hopMs.p50 + 2 * pgFloor.commitMs.p50;
    const peakRssMb = resources.peakRss();
    const pgStartedAtEnd = await postgresStartedAt();
    if (pgStartedAtEnd !== pgStartedAt) note(`Postgres restarted during the run (at ${pgStartedAtEnd}); the figures include that disturbance`);
    const all: RunResult[] = [...runs.flatMap((m) => [m.light.happy, m.light.compensation, ...m.closedLoop]), ...open, ...(soak ? [soak.run] : [])];
    const results: BenchResults = {
      meta: {
        mode: settings.mode,
        targets: settings.targets,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
        phaseSeconds,
        machine: {
          cpu: cpus()[0]?.model.trim() ?? "?",
          cores: cpus().length,
          memoryGb: Math.round(totalmem() / 2 ** 30),
          kernel: release(),
          node: process.versions.node,
          postgres: pgFloor.settings.server_version?.split(" ")[0] ?? "?",
          kafka: kafkaVersion(),
          loadAverageAtStart: loadAtStart,
          loadAverageAtEnd: loadAverage(),
          postgresRestartedDuringRun: pgStartedAtEnd !== pgStartedAt,
          beforeStart: quiet,
        },
        git: gitAtStart,
        services: servicesMeta,
        note:
          "Kafka (one broker), Postgres, the four services and the load generator all share this machine." +
          (settings.profile ? " PROFILED RUN (--cpu-prof): slower than normal, not comparable." : ""),
      },
      sagaCounts: { ...sagaCounts, explanation: explainCounts(settings.models) },
      floor: {
        kafka: kafkaFloor,
        postgres: pgFloor,
        http: httpFloor,
        saga: floor,
        conditions: {
          kafka: { machineBusyCores: kafkaRun.machineBusyCores, harnessCores: kafkaRun.harnessCores, brokerCores: kafkaRun.brokerCores, otherCores: kafkaRun.otherCores },
          postgres: { machineBusyCores: pgRun.machineBusyCores, harnessCores: pgRun.harnessCores },
        },
      },
      idle: { seconds: settings.idleSeconds, cpuCores: idleCores },
      light: { ...chor.light, breakdown: { hopFloorMs: round(hopFloorMs), ...chor.breakdown } },
      closedLoop: closed,
      maxThroughput: chor.maxThroughput,
      models: runs,
      openLoop: open.map(({ samples: _s, ...rest }) => rest),
      soak,
      resources: {
        rssAtStartMb,
        peakRssMb,
        cpuMsPerSaga: [
          { at: `${best.label} (highest throughput, ${best.throughput}/s)`, ms: best.cpuMsPerSaga },
          ...open.slice(0, 1).map((o) => ({ at: `open loop at ${o.targetRate}/s`, ms: o.cpuMsPerSaga })),
          { at: `one at a time (${happy.throughput}/s)`, ms: happy.cpuMsPerSaga },
        ],
      },
      integrity: {
        pendingOrdersAtEnd: await db.countNotTerminal(),
        lost: all.reduce((a, r) => a + r.lost, 0),
        wrongStatus: all.reduce((a, r) => a + r.wrongStatus, 0),
        postErrors: all.reduce((a, r) => a + r.errors, 0),
        harnessReconnects: db.reconnects,
        orderDbRows: await db.tableSizes(),
      },
      targets: [],
    };
    results.targets = targets(results);

    const json = JSON.stringify(results, null, 2);
    if (settings.resultsFile) {
      // One run of a comparison (scripts/bench.mjs --against): the caller reports.
      mkdirSync(dirname(settings.resultsFile), { recursive: true });
      writeFileSync(settings.resultsFile, json);
      process.stdout.write(`results: ${relative(root, settings.resultsFile)}\n`);
      return;
    }
    const stamp = startedAt.toISOString().replace(/[:]/g, "-").replace(/\.\d+Z$/, "Z");
    const dir = join(root, "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `bench-${stamp}.json`), json);
    writeFileSync(join(dir, "bench-latest.json"), json);
    writeFileSync(join(dir, "bench-latest.md"), `${markdownTable(results)}\n${runs.length > 1 ? `\n${markdownModels(runs)}\n` : ""}`);
    const svg = chartOf(results);
    writeFileSync(join(dir, `bench-${stamp}.svg`), svg);
    writeFileSync(join(dir, "bench-latest.svg"), svg);
    if (settings.mode === "full") {
      mkdirSync(join(root, "docs"), { recursive: true });
      writeFileSync(join(root, "docs", "bench.svg"), svg);
    }

    process.stdout.write(formatReport(results));
    process.stdout.write(
      `results: results/bench-${stamp}.json (and bench-latest.json, .md, .svg)${settings.mode === "full" ? "; chart: docs/bench.svg" : ""}\n`,
    );
  } finally {
    phase("stopping the services");
    const crashed = services.filter((s) => !alive(s)).map((s) => s.name);
    if (crashed.length) note(`these services had exited during the run: ${crashed.join(", ")} (see ${settings.logDir})`);
    await stopServices(services);
    if (settings.profile) {
      note(`CPU profiles in ${settings.profileDir}; summary: node bench/dist/profile-summary.js`);
      execFileSync(process.execPath, [join(__dirname, "profile-summary.js"), settings.profileDir], { stdio: "inherit" });
    }
    await resources.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    closeHttp();
  }
}

/** One model's light load and closed loop (and, for the two-phase commit, how long its locks were held). */
async function measureModel(ctx: LoadContext, floors: Floors, settle: () => Promise<void>, endPhase: (name: string) => void): Promise<ModelRun> {
  const { model } = ctx;
  const counts = countsByModel[model];
  const floor = modelFloor(counts, floors);
  phase(`${model}: one order at a time`);
  await settle();
  const happyRun = await sequential(ctx, "happy", settings.light.happy, `${model}, happy path`);
  const happy = happyRun.result;
  note(`happy: p50 ${happy.latency.dbMs.p50} ms, p95 ${happy.latency.dbMs.p95}, p99 ${happy.latency.dbMs.p99}, max ${happy.latency.dbMs.max} (floor ${floor.happyLatencyMs} ms)`);
  await settle();
  const compensationRun = await sequential(ctx, "compensation", settings.light.compensation, `${model}, delivery failure`);
  const compensation = compensationRun.result;
  note(
    `delivery failure: p50 ${compensation.latency.dbMs.p50} ms, p95 ${compensation.latency.dbMs.p95}, p99 ${compensation.latency.dbMs.p99}, max ${compensation.latency.dbMs.max} (floor ${floor.compensationLatencyMs} ms)`,
  );
  const hopFloorMs = floors.kafka.hopMs.p50 + 2 * floors.postgres.commitMs.p50;
  const breakdown = { happy: await breakdownOf(happyRun.samples), compensation: await breakdownOf(compensationRun.samples) };
  if (breakdown.happy) for (const l of describeBreakdown(breakdown.happy, counts.happy.kafkaHops > 0 ? hopFloorMs : undefined)) note(l);
  endPhase(`${model}: light load`);

  phase(`${model}: closed loop, rising concurrency, ${settings.closed.seconds} s each (+${settings.closed.warmupSeconds} s warm-up)`);
  const closed: ClosedStep[] = [];
  let best: ClosedStep | undefined;
  let stale = 0;
  for (const concurrency of settings.closed.concurrencies) {
    await settle();
    const step = await closedLoop(ctx, concurrency, settings.closed.warmupSeconds, settings.closed.seconds);
    closed.push(step);
    note(
      `${concurrency} in flight: ${step.throughput} orders/s, p50 ${step.latency.dbMs.p50} ms, p99 ${step.latency.dbMs.p99} ms; ` +
        `machine ${step.cpu.machineBusyCores} cores busy, ${step.cpu.otherCores} of them not ours` +
        (step.wrongStatus > 0 ? `; ${step.wrongStatus} ended otherwise than APPROVED` : ""),
    );
    if (!best || step.throughput > best.throughput * (1 + settings.closed.minGain)) {
      best = step;
      stale = 0;
    } else {
      if (step.throughput > best.throughput) best = step;
      if (++stale >= settings.closed.patience && concurrency >= settings.closed.minConcurrency) break;
    }
  }
  note(`${model}: highest ${best!.throughput} orders/s at ${best!.concurrency} in flight`);
  const locks =
    model === "two-phase-commit"
      ? {
          oneAtATime: await ctx.db.lockTimes({ ids: happyRun.samples.map((s) => s.id) }),
          atPeak: await ctx.db.lockTimes({ fromMs: best!.window.startMs, toMs: best!.window.endMs }),
        }
      : undefined;
  if (locks) note(`locks held (log: started → completed): p50 ${locks.oneAtATime.heldMs.p50} ms one at a time, ${locks.atPeak.heldMs.p50} ms at the peak (p99 ${locks.atPeak.heldMs.p99})`);
  endPhase(`${model}: closed loop`);
  return {
    model,
    counts,
    floor,
    light: {
      happy,
      compensation,
      happyP50VsFloor: round(happy.latency.dbMs.p50 / floor.happyLatencyMs),
      compensationP50VsFloor: round(compensation.latency.dbMs.p50 / floor.compensationLatencyMs),
    },
    breakdown,
    closedLoop: closed,
    maxThroughput: { perSecond: best!.throughput, concurrency: best!.concurrency },
    cpuMsPerSaga: { oneAtATime: happy.cpuMsPerSaga, atPeak: best!.cpuMsPerSaga },
    locks,
  };
}

function summarizeSoak(run: OpenRun, rate: number, resources: Resources, start: number, end: number): SoakResult {
  const { samples, ...rest } = run;
  const windowMs = settings.soak.windowSeconds * 1000;
  const windows: SoakResult["windows"] = [];
  for (let from = start; from < end; from += windowMs) {
    const inside = samples.filter((s) => s.intendedAt >= from && s.intendedAt < from + windowMs);
    const lat = latencyOf(inside).dbMs;
    windows.push({ fromSecond: Math.round((from - start) / 1000), sagas: inside.length, throughput: round(inside.length / (windowMs / 1000)), p50: lat.p50, p99: lat.p99, max: lat.max });
  }
  const timeline = resources.timeline.filter((s) => s.t >= start && s.t <= end + 1000);
  const rss: SoakResult["rss"] = {};
  const flagged: string[] = [];
  let largest = { name: "", growth: -Infinity };
  for (const name of ["order", "user", "payment", "delivery", "kafka"]) {
    const points = timeline.filter((s) => s.rssMb[name] !== undefined).map((s) => ({ t: s.t, mb: s.rssMb[name]! }));
    if (points.length === 0) continue;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const first = mean(points.filter((p) => p.t < start + 60_000).map((p) => p.mb));
    const last = mean(points.filter((p) => p.t >= end - 60_000).map((p) => p.mb));
    const trend = slope(points.filter((p) => p.t >= start + 60_000).map((p) => ({ x: (p.t - start) / 60_000, y: p.mb })));
    rss[name] = { firstMinuteMb: round(first, 1), lastMinuteMb: round(last, 1), slopeMbPerMinute: round(trend, 2), peakMb: Math.max(...points.map((p) => p.mb)) };
    if (name !== "kafka") {
      if (last - first > largest.growth) largest = { name, growth: last - first };
      // Still climbing at the end, by more than noise: more than 10 MB and 5% since the first minute, and a rising trend.
      if (last - first > Math.max(10, 0.05 * first) && trend > 1) flagged.push(`${name} +${(last - first).toFixed(0)} MB (${trend.toFixed(1)} MB/min)`);
    }
  }
  const p99s = windows.filter((w) => w.sagas > 0).map((w) => w.p99);
  const drift = p99s.length >= 2 && p99s.at(-1)! > 2 * Math.max(p99s[0]!, settings.targets.p99Ms / 5) ? `; p99 rose from ${p99s[0]} to ${p99s.at(-1)} ms` : "";
  const growth = flagged.length
    ? `RSS still growing: ${flagged.join(", ")}${drift}`
    : `no sign of unbounded growth (largest RSS change first → last minute: ${largest.name} ${largest.growth >= 0 ? "+" : ""}${largest.growth.toFixed(0)} MB)${drift}`;
  return { seconds: settings.soak.seconds, targetRate: rate, run: rest, windows, rss, timeline, growth };
}

function targets(r: BenchResults): Target[] {
  const t = settings.targets;
  const out: Target[] = [
    {
      goal: `one at a time: saga p50 ≤ ${t.floorRatio}× floor`,
      measured: `${r.light.happy.latency.dbMs.p50} ms = ${r.light.happyP50VsFloor.toFixed(2)}× ${r.floor.saga.happyLatencyMs} ms`,
      met: r.light.happyP50VsFloor <= t.floorRatio,
    },
    {
      goal: `one at a time: p99 < ${t.p99Ms} ms`,
      measured: `happy ${r.light.happy.latency.dbMs.p99} ms, delivery failure ${r.light.compensation.latency.dbMs.p99} ms`,
      met: r.light.happy.latency.dbMs.p99 < t.p99Ms && r.light.compensation.latency.dbMs.p99 < t.p99Ms,
    },
    ...r.openLoop.map((o) => ({
      goal: `at ${o.targetRate}/s (open loop): p99 < ${t.p99Ms} ms`,
      measured: `${o.latency.dbMs.p99} ms (client-side ${o.latency.clientMs.p99} ms)`,
      met: o.latency.dbMs.p99 < t.p99Ms,
    })),
    {
      goal: `throughput ≥ ${t.sagasPerSecond} sagas/s`,
      measured: `${r.maxThroughput.perSecond} sagas/s`,
      met: r.maxThroughput.perSecond >= t.sagasPerSecond,
    },
  ];
  const rss = ["order", "user", "payment", "delivery"].map((n) => [n, r.resources.peakRssMb[n] ?? NaN] as const);
  const worst = rss.reduce((a, b) => (b[1] > a[1] ? b : a));
  out.push({ goal: `each service < ${t.rssMb} MB RSS at peak`, measured: `highest: ${worst[0]} ${worst[1]} MB`, met: rss.every(([, v]) => v < t.rssMb) });
  out.push(
    r.soak
      ? { goal: `no unbounded growth over a ${r.soak.seconds} s run`, measured: r.soak.growth, met: !r.soak.growth.startsWith("RSS still growing") }
      : { goal: "no unbounded growth over a 5-minute run", measured: "not measured (BENCH_SOAK_SECONDS=0)", met: null },
  );
  return out;
}

main().then(
  () => process.exit(0),
  async (error) => {
    console.error(`\nbench failed: ${error instanceof Error ? error.stack : String(error)}`);
    await stopServices(services).catch(() => undefined);
    process.exit(1);
  },
);
