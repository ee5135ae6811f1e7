import type { Breakdown } from "./breakdown";
import { renderChart, type ChartPoint } from "./chart";
import type { HttpFloor, KafkaFloor, PostgresFloor, SagaFloor } from "./floor";
import type { ClosedStep, OpenRun, RunResult } from "./load";
import type { RssSample } from "./resources";
import type { Model, ModelCounts, SagaCounts } from "./saga-counts";
import type { LockTimes } from "./shop";
import { round, type Summary } from "./stats";

export interface SoakResult {
  seconds: number;
  targetRate: number;
  run: Omit<OpenRun, "samples">;
  windows: { fromSecond: number; sagas: number; throughput: number; p50: number; p99: number; max: number }[];
  rss: Record<string, { firstMinuteMb: number; lastMinuteMb: number; slopeMbPerMinute: number; peakMb: number }>;
  timeline: RssSample[];
  growth: string;
}

export interface Target {
  goal: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

/** One transaction model's figures, measured on the same services in the same run as the others. */
export interface ModelRun {
  model: Model;
  counts: ModelCounts;
  floor: SagaFloor;
  light: { happy: RunResult; compensation: RunResult; happyP50VsFloor: number; compensationP50VsFloor: number };
  breakdown: { happy?: Breakdown; compensation?: Breakdown };
  closedLoop: ClosedStep[];
  maxThroughput: { perSecond: number; concurrency: number };
  cpuMsPerSaga: { oneAtATime: Record<string, number>; atPeak: Record<string, number> };
  /** The two-phase commit's: how long its participants' rows stayed locked. */
  locks?: { oneAtATime: LockTimes; atPeak: LockTimes };
}

export interface BenchResults {
  meta: {
    mode: "quick" | "full";
    targets: { floorRatio: number; p99Ms: number; sagasPerSecond: number; rssMb: number };
    startedAt: string;
    finishedAt: string;
    durationSeconds: number;
    phaseSeconds: Record<string, number>;
    machine: { cpu: string; cores: number; memoryGb: number; kernel: string; node: string; postgres: string; kafka: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; postgresRestartedDuringRun: boolean; beforeStart: { machineBusyCores: number; otherCores: number } };
    git: { commit: string; dirty: boolean };
    /** The services measured (absent in runs before `pnpm bench --against`): whose build, and which Node ran them. */
    services?: { root: string; commit: string; node: string; nodeVersion: string };
    note: string;
  };
  sagaCounts: { happy: SagaCounts; compensation: SagaCounts; explanation: string[] };
  floor: {
    kafka: KafkaFloor;
    postgres: PostgresFloor;
    /** Absent in runs from before the two-phase commit. */
    http?: HttpFloor;
    saga: SagaFloor;
    /** How busy the machine was while the floor was measured (cores). */
    conditions: {
      kafka: { machineBusyCores: number; harnessCores: number; brokerCores: number; otherCores: number };
      postgres: { machineBusyCores: number; harnessCores: number };
    };
  };
  idle: { seconds: number; cpuCores: Record<string, number> };
  light: {
    happy: RunResult;
    compensation: RunResult;
    happyP50VsFloor: number;
    compensationP50VsFloor: number;
    breakdown: { hopFloorMs: number; happy?: Breakdown; compensation?: Breakdown };
  };
  closedLoop: ClosedStep[];
  maxThroughput: { perSecond: number; concurrency: number };
  /** Every model measured, the choreography (the figures above) first; absent in runs from before. */
  models?: ModelRun[];
  openLoop: Omit<OpenRun, "samples">[];
  soak?: SoakResult;
  resources: {
    /** VmRSS once the services were ready (before any saga). */
    rssAtStartMb: Record<string, number>;
    /** VmHWM at the end of the run. */
    peakRssMb: Record<string, number>;
    /** CPU ms per completed saga, per process group, at a few loads (a process's idle cost is spread over fewer sagas at low rates). */
    cpuMsPerSaga: { at: string; ms: Record<string, number> }[];
  };
  integrity: { pendingOrdersAtEnd: number; lost: number; wrongStatus: number; postErrors: number; harnessReconnects: number; orderDbRows: Record<string, number> };
  targets: Target[];
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const padr = (s: string | number, n: number) => String(s).padEnd(n);
const ms = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "–");
const row = (label: string, s: Summary, extra = "") =>
  `  ${padr(label, 30)}${pad(s.n, 6)}${pad(ms(s.p50), 8)}${pad(ms(s.p95), 8)}${pad(ms(s.p99), 8)}${pad(ms(s.max), 8)}${extra}`;

export function formatReport(r: BenchResults): string {
  const lines: string[] = [];
  const m = r.meta.machine;
  const f = r.floor;
  lines.push("");
  lines.push(`saga-shop benchmark (${r.meta.mode}), ${r.meta.startedAt.slice(0, 16).replace("T", " ")} UTC, ${r.meta.durationSeconds.toFixed(0)} s`);
  const sv = r.meta.services;
  const nodes = sv && sv.nodeVersion !== m.node ? `services on Node ${sv.nodeVersion} (the harness on ${m.node})` : `Node ${m.node}`;
  lines.push(`${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; ${nodes}, PostgreSQL ${m.postgres}, Kafka ${m.kafka}; everything on this one machine`);
  if (sv && sv.commit !== `${r.meta.git.commit}${r.meta.git.dirty ? "+changes" : ""}`) lines.push(`services built from commit ${sv.commit} (${sv.root}); the harness from ${r.meta.git.commit}`);
  lines.push(`before the start, programs other than ours kept ${m.beforeStart.otherCores} cores busy`);
  lines.push(`load average at start: ${m.loadAverageAtStart.join(" ")}, at the end: ${m.loadAverageAtEnd.join(" ")}${m.postgresRestartedDuringRun ? "; Postgres was RESTARTED during the run" : ""}`);
  lines.push("");
  lines.push("Saga shape (counted from the code: bench/src/saga-counts.ts)");
  for (const l of r.sagaCounts.explanation) lines.push(`  ${l}`);
  lines.push("");
  lines.push(`Floor (same broker, same Postgres, same client libraries, before the services start)      p50     p99`);
  lines.push(`  Kafka hop: produce (acks=all) → consumed, 1 message at a time          ${pad(ms(f.kafka.hopMs.p50), 7)} ${pad(ms(f.kafka.hopMs.p99), 7)} ms`);
  lines.push(`    of which produce until acknowledged                                  ${pad(ms(f.kafka.produceAckMs.p50), 7)} ${pad(ms(f.kafka.produceAckMs.p99), 7)} ms`);
  lines.push(`  Kafka batched produce → consume (batches of ${f.kafka.batch.batchSize})                ${pad(f.kafka.batch.messagesPerSecond, 15)} messages/s`);
  lines.push(`  Postgres: one INSERT committed, 1 client                               ${pad(ms(f.postgres.commitMs.p50), 7)} ${pad(ms(f.postgres.commitMs.p99), 7)} ms`);
  lines.push(`  Postgres: BEGIN; INSERT; COMMIT, 1 client                              ${pad(ms(f.postgres.beginInsertCommitMs.p50), 7)} ${pad(ms(f.postgres.beginInsertCommitMs.p99), 7)} ms`);
  lines.push(`  Postgres commit rate, ${f.postgres.rate.clients} clients (node-postgres)                          ${pad(f.postgres.rate.commitsPerSecond, 15)} commits/s`);
  if (f.postgres.pgbench) lines.push(`    for reference, pgbench (C client), ${f.postgres.pgbench.clients} clients                         ${pad(f.postgres.pgbench.tps, 15)} commits/s`);
  const fc = f.conditions;
  lines.push(`  (machine while measuring: Kafka floor ${fc.kafka.machineBusyCores} cores busy, ${fc.kafka.otherCores} not ours; Postgres floor ${fc.postgres.machineBusyCores} cores busy)`);
  lines.push(`  Saga floor latency, happy:        ${f.saga.formula.latency} = ${ms(f.saga.happyLatencyMs)} ms`);
  lines.push(`  Saga floor latency, compensation: ${f.saga.formula.compensationLatency} = ${ms(f.saga.compensationLatencyMs)} ms`);
  lines.push(`  Saga floor throughput:            ${f.saga.formula.throughput} = ${f.saga.throughputPerSecond} sagas/s`);
  lines.push("");
  lines.push(`Saga latency, orders.completed_at − created_at (ms)      n     p50     p95     p99     max`);
  lines.push(row("one at a time, happy", r.light.happy.latency.dbMs, `   p50 = ${r.light.happyP50VsFloor.toFixed(2)}× floor`));
  lines.push(row("one at a time, compensation", r.light.compensation.latency.dbMs, `   p50 = ${r.light.compensationP50VsFloor.toFixed(2)}× floor`));
  lines.push(row("  (client: POST sent → terminal)", r.light.happy.latency.clientMs));
  lines.push(row("  (POST /orders round trip)", r.light.happy.latency.postMs));
  const bd = r.light.breakdown;
  for (const [name, b] of [["happy", bd.happy], ["delivery failure", bd.compensation]] as const) {
    if (!b) continue;
    lines.push(`  step by step, ${name} (median ms after created_at, +gap from the step before; one hop's floor: ${bd.hopFloorMs} ms):`);
    lines.push(`    ${b.steps.map((s) => `${s.type} ${s.medianOffsetMs.toFixed(0)} (+${s.medianGapMs.toFixed(0)})`).join(" → ")}`);
  }
  lines.push("");
  lines.push(`Throughput, happy path           sagas/s  vs floor       n     p50     p95     p99     max   client p99  cores busy (not ours)`);
  const tput = (label: string, x: RunResult) =>
    `  ${padr(label, 30)}${pad(x.throughput.toFixed(0), 9)}${pad(`${(x.throughput / f.saga.throughputPerSecond).toFixed(2)}×`, 10)}${pad(x.latency.dbMs.n, 8)}${pad(ms(x.latency.dbMs.p50), 8)}${pad(ms(x.latency.dbMs.p95), 8)}${pad(ms(x.latency.dbMs.p99), 8)}${pad(ms(x.latency.dbMs.max), 8)}${pad(ms(x.latency.clientMs.p99), 13)}${pad(x.cpu.machineBusyCores.toFixed(2), 8)} (${x.cpu.otherCores.toFixed(2)})`;
  for (const s of r.closedLoop) lines.push(tput(`closed loop, ${s.concurrency} in flight`, s));
  lines.push(`  → highest: ${r.maxThroughput.perSecond.toFixed(0)} sagas/s at ${r.maxThroughput.concurrency} in flight`);
  for (const o of r.openLoop) lines.push(tput(`open loop, ${o.targetRate}/s`, o));
  if (r.soak) lines.push(tput(`soak ${r.soak.seconds} s at ${r.soak.targetRate}/s`, r.soak.run));
  lines.push(`  (not ours) = cores other programs on this machine used meanwhile; more than ~0.3 disturbs a row.`);
  if (r.models && r.models.length > 1) lines.push("", ...formatModels(r.models));
  lines.push("");
  const names = ["order", "user", "payment", "delivery"];
  const loads = r.resources.cpuMsPerSaga;
  const idle = r.idle.cpuCores;
  const mb = (v: number | undefined) => `${(v ?? NaN).toFixed(0)} MB`;
  lines.push(`Resources: CPU ms per saga (node process + its Postgres backends), idle cores, memory (peak RSS = VmHWM)`);
  loads.forEach((l, k) => {
    lines.push(`  [${k + 1}] ${l.at}`);
  });
  lines.push(`  ${padr("", 12)}${loads.map((_, k) => pad(`[${k + 1}] node+pg`, 16)).join("")}${pad("idle cores", 12)}${pad("peak RSS", 10)}${pad("RSS at start", 14)}`);
  const both = (v: Record<string, number>, n: string) =>
    n === "kafka" ? ms(v[n] ?? NaN) : `${ms(v[n] ?? NaN)}+${ms(v[`pg:${n}`] ?? NaN)}`;
  for (const n of [...names, "kafka", "harness"]) {
    lines.push(
      `  ${padr(n, 12)}${loads.map((l) => pad(both(l.ms, n), 16)).join("")}${pad((idle[n] ?? NaN).toFixed(2), 12)}` +
        (n === "harness" ? "   (load generator + timestamp queries)" : `${pad(mb(r.resources.peakRssMb[n]), 10)}${pad(mb(r.resources.rssAtStartMb[n]), 14)}`),
    );
  }
  lines.push(`  ${padr("all of ours", 12)}${loads.map((l) => pad(ms(l.ms.total ?? NaN), 16)).join("")}`);
  lines.push(`  ${padr("whole machine", 12)}${loads.map((l) => pad(ms(l.ms.machine ?? NaN), 16)).join("")}`);
  if (r.soak) {
    lines.push("");
    lines.push(`Soak: ${r.soak.seconds} s at ${r.soak.targetRate}/s: ${r.soak.growth}`);
    for (const [n, v] of Object.entries(r.soak.rss)) {
      lines.push(`  ${padr(n, 10)} RSS first minute ${v.firstMinuteMb.toFixed(0)} MB → last minute ${v.lastMinuteMb.toFixed(0)} MB (trend ${v.slopeMbPerMinute >= 0 ? "+" : ""}${v.slopeMbPerMinute.toFixed(2)} MB/min), peak ${v.peakMb.toFixed(0)} MB`);
    }
    lines.push(`  latency p50/p99 per ${r.soak.windows.length > 1 ? r.soak.windows[1]!.fromSecond - r.soak.windows[0]!.fromSecond : r.soak.seconds} s: ${r.soak.windows.map((w) => `${ms(w.p50)}/${ms(w.p99)}`).join("  ")}`);
  }
  lines.push("");
  const i = r.integrity;
  lines.push(`Integrity: ${i.pendingOrdersAtEnd} orders still PENDING at the end, ${i.lost} sagas lost, ${i.wrongStatus} in an unexpected state, ${i.postErrors} POST errors`);
  lines.push("");
  lines.push("Targets (issue #4; goals, not assertions)");
  for (const t of r.targets) lines.push(`  ${t.met === null ? "–" : t.met ? "✓" : "✗"} ${padr(t.goal, 46)} ${t.measured}`);
  lines.push("");
  return lines.join("\n");
}

const processes = ["order", "user", "payment", "delivery"] as const;
const nodeAndPg = (ms_: Record<string, number>, n: string) => `${ms(ms_[n] ?? NaN)}+${ms(ms_[`pg:${n}`] ?? NaN)}`;
const shapeOf = (c: SagaCounts) =>
  [c.kafkaHops > 0 ? `${c.kafkaHops} hops` : "", c.httpRoundTrips > 0 ? `${c.httpRoundTrips} HTTP` : "", `${c.criticalTransactions} commits`].filter(Boolean).join(", ");
const unexpected = (m: ModelRun) => [m.light.happy, m.light.compensation, ...m.closedLoop].reduce((a, x) => a + x.wrongStatus + x.lost, 0);

/** The models side by side, as the terminal shows them. */
export function formatModels(models: readonly ModelRun[]): string[] {
  const w = 22;
  const line = (label: string, of: (m: ModelRun) => string) => `  ${padr(label, 36)}${models.map((m) => pad(of(m), w)).join("")}`;
  const lat = (x: RunResult) => `${ms(x.latency.dbMs.p50)} / ${ms(x.latency.dbMs.p99)}`;
  return [
    `The transaction models side by side (same services, same run; latency = created_at → the order's end, ms)`,
    line("", (m) => m.model),
    line("waited for, happy", (m) => shapeOf(m.counts.happy)),
    line("waited for, delivery failure", (m) => shapeOf(m.counts.compensation)),
    line("transactions in all, happy", (m) => String(m.counts.happy.totalTransactions)),
    line("floor, happy", (m) => `${ms(m.floor.happyLatencyMs)} ms`),
    line("one at a time, happy p50 / p99", (m) => lat(m.light.happy)),
    line("  p50 vs its floor", (m) => `${m.light.happyP50VsFloor.toFixed(2)}×`),
    line("one at a time, delivery failure", (m) => lat(m.light.compensation)),
    line("highest throughput (closed loop)", (m) => `${m.maxThroughput.perSecond.toFixed(0)}/s at ${m.maxThroughput.concurrency}`),
    line("CPU ms per order at peak, all ours", (m) => ms(m.cpuMsPerSaga.atPeak.total ?? NaN)),
    ...processes.map((n) => line(`  ${n} (node+pg)`, (m) => nodeAndPg(m.cpuMsPerSaga.atPeak, n))),
    line("  broker", (m) => ms(m.cpuMsPerSaga.atPeak.kafka ?? NaN)),
    line("CPU ms per order, one at a time", (m) => ms(m.cpuMsPerSaga.oneAtATime.total ?? NaN)),
    line("rows locked across services, p50/p99", (m) => (m.locks ? `${ms(m.locks.oneAtATime.heldMs.p50)}/${ms(m.locks.oneAtATime.heldMs.p99)}` : "none")),
    line("  at the peak", (m) => (m.locks ? `${ms(m.locks.atPeak.heldMs.p50)}/${ms(m.locks.atPeak.heldMs.p99)}` : "none")),
    line("lost or in an unexpected state", (m) => String(unexpected(m))),
    `  (rows locked: a two-phase commit holds its participants' rows from its prepare to phase two, started_at → completed_at`,
    `   in the coordinator's log; a saga step holds a row only inside its own local transaction)`,
  ];
}

/** The README's comparison of the models: the measured rows. */
export function markdownModels(models: readonly ModelRun[]): string {
  const head = `| | ${models.map((m) => m.model).join(" | ")} |`;
  const rule = `|---|${models.map(() => "---:").join("|")}|`;
  const row = (label: string, of: (m: ModelRun) => string) => `| ${label} | ${models.map(of).join(" | ")} |`;
  const lat = (x: RunResult) => `${ms(x.latency.dbMs.p50)} / ${ms(x.latency.dbMs.p99)} ms`;
  return [
    head,
    rule,
    row("waited for: happy path", (m) => shapeOf(m.counts.happy)),
    row("waited for: delivery failure", (m) => shapeOf(m.counts.compensation)),
    row("transactions in all (happy)", (m) => String(m.counts.happy.totalTransactions)),
    row("floor (happy)", (m) => `${ms(m.floor.happyLatencyMs)} ms`),
    row("one at a time, happy p50 / p99", (m) => `${lat(m.light.happy)} (${m.light.happyP50VsFloor.toFixed(1)}× floor)`),
    row("one at a time, delivery failure p50 / p99", (m) => lat(m.light.compensation)),
    row("highest throughput", (m) => `${m.maxThroughput.perSecond.toFixed(0)}/s (${m.maxThroughput.concurrency} in flight)`),
    row("CPU per order at the peak, all processes", (m) => `${ms(m.cpuMsPerSaga.atPeak.total ?? NaN)} ms`),
    row("of which order / user / payment / delivery (node + Postgres), broker", (m) =>
      `${processes.map((n) => ms((m.cpuMsPerSaga.atPeak[n] ?? NaN) + (m.cpuMsPerSaga.atPeak[`pg:${n}`] ?? NaN))).join(" / ")}, ${ms(m.cpuMsPerSaga.atPeak.kafka ?? NaN)}`,
    ),
    row("CPU per order, one at a time", (m) => `${ms(m.cpuMsPerSaga.oneAtATime.total ?? NaN)} ms`),
    row("rows locked across services, one at a time / at the peak (p50)", (m) =>
      m.locks ? `${ms(m.locks.oneAtATime.heldMs.p50)} / ${ms(m.locks.atPeak.heldMs.p50)} ms (p99 ${ms(m.locks.atPeak.heldMs.p99)})` : "none",
    ),
  ].join("\n");
}

/** The README's table: the figures that answer "what does it cost me?". */
export function markdownTable(r: BenchResults): string {
  const f = r.floor;
  const l = r.light;
  const fmt = (v: number) => ms(v);
  const rows: string[] = [
    "| | p50 | p95 | p99 | max | |",
    "|---|---:|---:|---:|---:|---|",
    `| Kafka hop (produce → consume, 1 message) | ${fmt(f.kafka.hopMs.p50)} | ${fmt(f.kafka.hopMs.p95)} | ${fmt(f.kafka.hopMs.p99)} | ${fmt(f.kafka.hopMs.max)} | batched: ${f.kafka.batch.messagesPerSecond.toLocaleString("en-US")} messages/s |`,
    `| Postgres commit (one INSERT, 1 client) | ${fmt(f.postgres.commitMs.p50)} | ${fmt(f.postgres.commitMs.p95)} | ${fmt(f.postgres.commitMs.p99)} | ${fmt(f.postgres.commitMs.max)} | ${f.postgres.rate.clients} clients: ${f.postgres.rate.commitsPerSecond.toLocaleString("en-US")} commits/s |`,
    `| **Saga floor** (happy) | ${fmt(f.saga.happyLatencyMs)} | | | | ${f.saga.formula.latency}; throughput ${f.saga.formula.throughput} = **${f.saga.throughputPerSecond}/s** |`,
    `| **Saga, one at a time, happy** | ${fmt(l.happy.latency.dbMs.p50)} | ${fmt(l.happy.latency.dbMs.p95)} | ${fmt(l.happy.latency.dbMs.p99)} | ${fmt(l.happy.latency.dbMs.max)} | p50 = ${l.happyP50VsFloor.toFixed(2)}× floor |`,
    `| Saga, one at a time, delivery failure (6 hops) | ${fmt(l.compensation.latency.dbMs.p50)} | ${fmt(l.compensation.latency.dbMs.p95)} | ${fmt(l.compensation.latency.dbMs.p99)} | ${fmt(l.compensation.latency.dbMs.max)} | floor ${fmt(f.saga.compensationLatencyMs)} ms; p50 = ${l.compensationP50VsFloor.toFixed(2)}× floor |`,
  ];
  for (const o of r.openLoop) {
    rows.push(
      `| Saga at ${o.throughput.toFixed(0)}/s (open loop, ${o.targetRate}/s offered) | ${fmt(o.latency.dbMs.p50)} | ${fmt(o.latency.dbMs.p95)} | ${fmt(o.latency.dbMs.p99)} | ${fmt(o.latency.dbMs.max)} | |`,
    );
  }
  rows.push(
    `| **Highest throughput** (closed loop) | | | | | **${r.maxThroughput.perSecond.toFixed(0)} sagas/s** at ${r.maxThroughput.concurrency} in flight = ${(r.maxThroughput.perSecond / f.saga.throughputPerSecond).toFixed(2)}× floor |`,
  );
  const atMax = r.resources.cpuMsPerSaga[0];
  const res = [
    "",
    `| process | CPU ms per saga${atMax ? ` at ${atMax.at}` : ""}: node + its Postgres | idle (cores) | RSS at start | peak RSS |`,
    "|---|---:|---:|---:|---:|",
    ...["order", "user", "payment", "delivery", "kafka"].map((n) => {
      const cpu = atMax ? (n === "kafka" ? fmt(atMax.ms[n] ?? NaN) : `${fmt(atMax.ms[n] ?? NaN)} + ${fmt(atMax.ms[`pg:${n}`] ?? NaN)}`) : "";
      return `| ${n === "kafka" ? "Kafka broker (JVM)" : n} | ${cpu} | ${(r.idle.cpuCores[n] ?? NaN).toFixed(2)} | ${(r.resources.rssAtStartMb[n] ?? NaN).toFixed(0)} MB | ${(r.resources.peakRssMb[n] ?? NaN).toFixed(0)} MB |`;
    }),
    ...(atMax ? [`| all of ours (incl. load generator) | ${fmt(atMax.ms.total ?? NaN)} | | | |`] : []),
  ];
  return [...rows, ...res].join("\n");
}

const point = (r: RunResult, label?: string): ChartPoint => ({
  throughput: r.throughput,
  p50: r.latency.dbMs.p50,
  p95: r.latency.dbMs.p95,
  p99: r.latency.dbMs.p99,
  label,
});

/** The chart of a run: latency percentiles against achieved throughput, the floor as a line. */
export function chartOf(r: BenchResults): string {
  const m = r.meta.machine;
  const loadRuns = [...r.closedLoop, ...r.openLoop];
  const otherMean = loadRuns.reduce((a, x) => a + x.cpu.otherCores, 0) / Math.max(1, loadRuns.length);
  const disturbance =
    otherMean > 0.2 || m.postgresRestartedDuringRun
      ? `Not a quiet machine: other programs used ${round(otherMean)} of ${m.cores} cores on average during the load steps` +
        (m.postgresRestartedDuringRun ? "; Postgres was restarted by someone else during the run." : ".")
      : undefined;
  return renderChart({
    title: "saga-shop: saga latency vs throughput (happy path, 4 Kafka hops)",
    caption: [
      `Measured ${r.meta.startedAt.slice(0, 10)} by \`pnpm bench\` (${r.meta.mode} run, commit ${r.meta.git.commit}${r.meta.git.dirty ? "+changes" : ""}): ` +
        `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB.`,
      `Everything on this one machine: Kafka ${m.kafka} (1 broker), PostgreSQL ${m.postgres}, the four services (Node ${r.meta.services?.nodeVersion ?? m.node}), the load generator.`,
      "Latency = orders.completed_at − orders.created_at in the order database. Floor = hops × Kafka hop p50 + critical-path commits × commit p50,",
      "both measured in the same run; floor throughput = Postgres commit rate ÷ transactions per saga.",
      ...(disturbance ? [disturbance] : []),
    ],
    light: point(r.light.happy, "one at a time"),
    closed: r.closedLoop.map((s) => point(s, String(s.concurrency))),
    open: r.openLoop.map((o) => point(o, `${o.targetRate}/s offered`)),
    floorLatencyMs: r.floor.saga.happyLatencyMs,
    floorLabel: `floor ${r.floor.saga.happyLatencyMs} ms = ${r.floor.saga.formula.latency}`,
    floorThroughput: r.floor.saga.throughputPerSecond,
    targetP99Ms: r.meta.targets.p99Ms,
    targetThroughput: r.meta.targets.sagasPerSecond,
  });
}
