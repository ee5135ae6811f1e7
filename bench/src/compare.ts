import { refName, type SideName } from "./against";
import type { BenchResults } from "./report";

// `pnpm bench --against`: the headline figures of each run, side by side, and the ratio B/A with
// its spread. Pure: scripts/bench.mjs runs the benchmark and hands the results here.

export type Unit = "ms" | "sagas/s" | "cores" | "MB";

export interface Figure {
  key: string;
  label: string;
  unit: Unit;
  better: "lower" | "higher";
  /** The same code on both sides (broker, Postgres, harness, measured before the services start). */
  floor?: boolean;
  of: (r: BenchResults) => number | undefined;
}

const services = ["order", "user", "payment", "delivery"] as const;
const atPeak = (r: BenchResults) => r.resources.cpuMsPerSaga[0]?.ms ?? {};

/** The figures a comparison reports, in the order of the table. */
export const headlineFigures: Figure[] = [
  { key: "floor.latency", label: "floor, happy saga latency", unit: "ms", better: "lower", floor: true, of: (r) => r.floor.saga.happyLatencyMs },
  { key: "floor.throughput", label: "floor, throughput", unit: "sagas/s", better: "higher", floor: true, of: (r) => r.floor.saga.throughputPerSecond },
  { key: "happy.p50", label: "one at a time, happy p50", unit: "ms", better: "lower", of: (r) => r.light.happy.latency.dbMs.p50 },
  { key: "happy.p99", label: "one at a time, happy p99", unit: "ms", better: "lower", of: (r) => r.light.happy.latency.dbMs.p99 },
  { key: "compensation.p50", label: "one at a time, compensation p50", unit: "ms", better: "lower", of: (r) => r.light.compensation.latency.dbMs.p50 },
  { key: "throughput.max", label: "highest throughput (closed loop)", unit: "sagas/s", better: "higher", of: (r) => r.maxThroughput.perSecond },
  ...services.flatMap((s): Figure[] => [
    { key: `cpu.${s}`, label: `CPU per saga at peak, ${s}`, unit: "ms", better: "lower", of: (r) => atPeak(r)[s] },
    { key: `cpu.pg:${s}`, label: `CPU per saga at peak, ${s}'s Postgres`, unit: "ms", better: "lower", of: (r) => atPeak(r)[`pg:${s}`] },
  ]),
  { key: "cpu.kafka", label: "CPU per saga at peak, broker", unit: "ms", better: "lower", of: (r) => atPeak(r).kafka },
  { key: "cpu.harness", label: "CPU per saga at peak, harness", unit: "ms", better: "lower", of: (r) => atPeak(r).harness },
  { key: "cpu.total", label: "CPU per saga at peak, all of ours", unit: "ms", better: "lower", of: (r) => atPeak(r).total },
  {
    key: "idle.cores",
    label: "idle, 4 services + broker",
    unit: "cores",
    better: "lower",
    of: (r) => {
      const values = [...services, "kafka"].map((n) => r.idle.cpuCores[n]);
      return values.every((v) => v !== undefined) ? values.reduce((a: number, v) => a + v!, 0) : undefined;
    },
  },
  ...services.map((s): Figure => ({ key: `rss.${s}`, label: `peak RSS, ${s}`, unit: "MB", better: "lower", of: (r) => r.resources.peakRssMb[s] })),
];

/** The median of the finite values (the mean of the middle two for an even count); NaN if none. */
export function median(values: readonly number[]): number {
  const xs = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

const divide = (b: number, a: number) => (Number.isFinite(a) && Number.isFinite(b) && a !== 0 ? b / a : NaN);

export interface Ratio {
  medianA: number;
  medianB: number;
  /** medianB / medianA. */
  ratio: number;
  /** b[i] / a[i] for each pair i (NaN where either is missing or a[i] is 0). */
  pairs: number[];
  /** The smallest and largest of the pairs' ratios (NaN if none). */
  min: number;
  max: number;
}

/** B/A: the ratio of the medians, and the spread of the pairwise ratios. */
export function ratioOf(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): Ratio {
  const finite = (xs: readonly (number | undefined)[]) => xs.map((x) => (x === undefined ? NaN : x));
  const as = finite(a);
  const bs = finite(b);
  const medianA = median(as);
  const medianB = median(bs);
  const pairs = Array.from({ length: Math.min(as.length, bs.length) }, (_, i) => divide(bs[i]!, as[i]!));
  const valid = pairs.filter(Number.isFinite);
  return {
    medianA,
    medianB,
    ratio: divide(medianB, medianA),
    pairs,
    min: valid.length ? Math.min(...valid) : NaN,
    max: valid.length ? Math.max(...valid) : NaN,
  };
}

export interface SideInfo {
  ref: string;
  commit: string;
  node: string;
  nodeVersion: string;
  /** Where its services were built. */
  dir: string;
}

export interface RunInput {
  side: SideName;
  /** Where this run's full results are (reprint with bench/dist/render.js). */
  file: string;
  results: BenchResults;
}

export interface RunSummary {
  index: number;
  side: SideName;
  file: string;
  startedAt: string;
  durationSeconds: number;
  /** Cores other programs used just before the run, and on average during its load steps. */
  otherCoresBefore: number;
  otherCoresDuringLoad: number;
  lost: number;
  wrongStatus: number;
  postErrors: number;
}

export interface ComparisonRow extends Ratio {
  key: string;
  label: string;
  unit: Unit;
  better: "lower" | "higher";
  floor: boolean;
  a: number[];
  b: number[];
}

export interface Comparison {
  mode: "quick" | "full";
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  pairs: number;
  order: SideName[];
  sides: Record<SideName, SideInfo>;
  /** A and B are one build run by one binary: every ratio is noise. */
  sameBuild: boolean;
  runs: RunSummary[];
  rows: ComparisonRow[];
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Pairs run i of A with run i of B (the i-th of each side), whatever order they ran in. */
export function compareRuns(o: {
  runs: readonly RunInput[];
  sides: Record<SideName, SideInfo>;
  sameBuild: boolean;
  startedAt: string;
  finishedAt: string;
  order: SideName[];
}): Comparison {
  const of = (side: SideName) => o.runs.filter((r) => r.side === side).map((r) => r.results);
  const a = of("A");
  const b = of("B");
  const rows = headlineFigures.map((f): ComparisonRow => {
    const av = a.map((r) => f.of(r) ?? NaN);
    const bv = b.map((r) => f.of(r) ?? NaN);
    return { key: f.key, label: f.label, unit: f.unit, better: f.better, floor: f.floor === true, a: av, b: bv, ...ratioOf(av, bv) };
  });
  const runs = o.runs.map((run, k): RunSummary => {
    const r = run.results;
    const load = [...r.closedLoop, ...r.openLoop].map((x) => x.cpu.otherCores);
    return {
      index: k + 1,
      side: run.side,
      file: run.file,
      startedAt: r.meta.startedAt,
      durationSeconds: r.meta.durationSeconds,
      otherCoresBefore: r.meta.machine.beforeStart.otherCores,
      otherCoresDuringLoad: Math.round(mean(load) * 100) / 100,
      lost: r.integrity.lost,
      wrongStatus: r.integrity.wrongStatus,
      postErrors: r.integrity.postErrors,
    };
  });
  return {
    mode: o.runs[0]?.results.meta.mode ?? "quick",
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
    durationSeconds: Math.round((Date.parse(o.finishedAt) - Date.parse(o.startedAt)) / 1000),
    pairs: Math.min(a.length, b.length),
    order: o.order,
    sides: o.sides,
    sameBuild: o.sameBuild,
    runs,
    rows,
  };
}

/** A figure as the single-run report prints it: ms and rates with one decimal below 100. */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return "–";
  if (unit === "cores") return value.toFixed(2);
  if (unit === "MB") return value.toFixed(0);
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export const formatRatio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const formatSpread = (r: Ratio) => (Number.isFinite(r.min) ? `${formatRatio(r.min)}–${formatRatio(r.max)}` : "–");

const describeSide = (name: SideName, s: SideInfo) => `${name}: ${refName(s.ref, s.commit)}, services on Node ${s.nodeVersion} (${s.node})`;

const header = ["figure", "unit", "better", "A, each run", "B, each run", "A median", "B median", "B/A", "pairs' B/A"];
const cells = (r: ComparisonRow) => [
  r.label,
  r.unit,
  r.better,
  r.a.map((v) => formatValue(v, r.unit)).join("  "),
  r.b.map((v) => formatValue(v, r.unit)).join("  "),
  formatValue(r.medianA, r.unit),
  formatValue(r.medianB, r.unit),
  formatRatio(r.ratio),
  formatSpread(r),
];

/** Columns padded to their widest cell; text left-aligned, figures right-aligned. */
export function alignColumns(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => [...(row[c] ?? "")].length)));
  return rows.map((row) =>
    row
      .map((cell, c) => {
        const gap = " ".repeat(widths[c]! - [...cell].length);
        return rightAligned[c] ? gap + cell : cell + gap;
      })
      .join("   ")
      .trimEnd(),
  );
}

/** What the ratios say, in sentences, for the table's foot. */
export function readingNotes(c: Comparison): string[] {
  const floor = c.rows.filter((r) => r.floor);
  const notes = [
    `B/A = median of B's runs ÷ median of A's; pairs' B/A = the smallest and largest of B ÷ A within each pair (the i-th run of each side). Below 1: B's figure is lower.`,
    `The floor is the same code on both sides (broker, Postgres, harness; measured before the services start), so its ratio is what the machine alone changed between the sides' runs: ` +
      `${floor.map((r) => `${r.label.replace(/^floor, /, "")} ${formatRatio(r.ratio)} (${formatSpread(r)})`).join(", ")}. ` +
      `A figure whose pairs' range includes 1, or that moves no more than the floor does, shows no difference these runs can tell.`,
  ];
  if (c.pairs < 2) notes.push(`One pair: the spread is a single ratio; BENCH_PAIRS=3 or more gives a spread worth reading.`);
  if (c.sameBuild) notes.push(`A and B are the same build run by the same Node: every ratio here is the machine's noise.`);
  const troubled = c.runs.filter((r) => r.lost + r.wrongStatus + r.postErrors > 0);
  for (const r of troubled) notes.push(`run ${r.index} (${r.side}): ${r.lost} sagas lost, ${r.wrongStatus} in an unexpected state, ${r.postErrors} POST errors; its figures are suspect.`);
  const busy = c.runs.filter((r) => r.otherCoresDuringLoad > 0.3);
  if (busy.length) notes.push(`other programs used more than 0.3 cores during the load steps of run${busy.length > 1 ? "s" : ""} ${busy.map((r) => `${r.index} (${r.side})`).join(", ")}: those runs are disturbed.`);
  return notes;
}

const runLine = (r: RunSummary) =>
  `${r.index} ${r.side}: ${r.startedAt.slice(11, 19)} UTC, ${r.durationSeconds.toFixed(0)} s; other programs ${r.otherCoresBefore.toFixed(2)} cores before, ${r.otherCoresDuringLoad.toFixed(2)} during load`;

export function formatComparison(c: Comparison): string {
  const lines: string[] = [];
  lines.push("");
  lines.push(`saga-shop benchmark comparison (${c.mode} runs), ${c.startedAt.slice(0, 16).replace("T", " ")} UTC: ${c.pairs} pair${c.pairs === 1 ? "" : "s"}, run ${c.order.join(" ")}, ${(c.durationSeconds / 60).toFixed(1)} min`);
  lines.push(`  ${describeSide("A", c.sides.A)}`);
  lines.push(`  ${describeSide("B", c.sides.B)}`);
  lines.push(`  one harness (this checkout's bench/) measured both; each run with fresh databases, a fresh broker, the side's services started anew`);
  lines.push("");
  const table = alignColumns([header, ...c.rows.map(cells)], [false, false, false, true, true, true, true, true, true]);
  lines.push(`  ${table[0]}`);
  c.rows.forEach((r, k) => {
    if (k > 0 && r.floor !== c.rows[k - 1]!.floor) lines.push("");
    lines.push(`  ${table[k + 1]}`);
  });
  lines.push("");
  lines.push("Runs");
  for (const r of c.runs) lines.push(`  ${runLine(r)}`);
  lines.push("");
  for (const n of readingNotes(c)) lines.push(...wrap(n, 110).map((l, k) => `${k === 0 ? "  " : "    "}${l}`));
  lines.push("");
  return lines.join("\n");
}

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export function comparisonMarkdown(c: Comparison): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    `## saga-shop benchmark comparison, ${c.startedAt.slice(0, 16).replace("T", " ")} UTC`,
    "",
    `${c.mode} runs, ${c.pairs} pair${c.pairs === 1 ? "" : "s"}, run ${c.order.join(" ")}, ${(c.durationSeconds / 60).toFixed(1)} min.`,
    "",
    `- ${describeSide("A", c.sides.A)}`,
    `- ${describeSide("B", c.sides.B)}`,
    "",
    `| ${header.join(" | ")} |`,
    `|---|---|---|${header.slice(3).map(() => "---:").join("|")}|`,
    ...c.rows.map((r) => `| ${cells(r).map(esc).join(" | ")} |`),
    "",
    ...c.runs.map((r) => `- run ${runLine(r)}`),
    "",
    ...readingNotes(c).flatMap((n) => [n, ""]),
  ];
  return lines.join("\n");
}
