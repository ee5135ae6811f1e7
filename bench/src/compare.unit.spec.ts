import type { SideName } from "./against";
import { alignColumns, wrap, compareRuns, comparisonMarkdown, formatComparison, formatValue, headlineFigures, median, ratioOf, type Comparison, type RunInput } from "./compare";
import type { BenchResults } from "./report";

/** The parts of a run's results the comparison reads; `scale` multiplies every latency and CPU figure. */
function fakeRun(o: { floor?: number; happyP50?: number; throughput?: number; scale?: number; orderCpu?: number; lost?: number; otherCores?: number; startedAt?: string } = {}): BenchResults {
  const s = o.scale ?? 1;
  const summary = (p50: number) => ({ n: 60, mean: p50, p50, p95: p50 * 1.5, p99: p50 * 2, max: p50 * 2.2, min: p50 / 2 });
  const load = { cpu: { otherCores: o.otherCores ?? 0.05 } };
  return {
    meta: { mode: "quick", startedAt: o.startedAt ?? "2026-12-01T20:00:00.000Z", durationSeconds: 170, machine: { beforeStart: { otherCores: 0.02 } } },
    floor: { saga: { happyLatencyMs: o.floor ?? 24, throughputPerSecond: 600 } },
    light: { happy: { latency: { dbMs: summary((o.happyP50 ?? 60) * s) } }, compensation: { latency: { dbMs: summary(90 * s) } } },
    maxThroughput: { perSecond: o.throughput ?? 120, concurrency: 64 },
    closedLoop: [load, load],
    openLoop: [load],
    resources: {
      cpuMsPerSaga: [
        {
          at: "closed loop, 64 in flight",
          ms: { order: o.orderCpu ?? 3 * s, "pg:order": 2 * s, user: 1.4 * s, "pg:user": 0.7 * s, payment: 1.1, "pg:payment": 0.5, delivery: 1, "pg:delivery": 0.5, kafka: 1.9, harness: 0.7, total: 13 * s },
        },
      ],
      peakRssMb: { order: 370, user: 320, payment: 310, delivery: 290, kafka: 460 },
    },
    idle: { cpuCores: { order: 0.01, user: 0.01, payment: 0, delivery: 0, kafka: 0.05, harness: 0 } },
    integrity: { lost: o.lost ?? 0, wrongStatus: 0, postErrors: 0 },
  } as unknown as BenchResults;
}

const sides = {
  A: { ref: "HEAD~1", commit: "a".repeat(40), node: "/usr/bin/node", nodeVersion: "20.20.2", dir: "/repo/.local/bench-builds/aaa" },
  B: { ref: "HEAD", commit: "b".repeat(40), node: "/usr/local/bin/node", nodeVersion: "24.22.3", dir: "/repo/.local/bench-builds/bbb" },
};

function comparisonOf(runs: [SideName, BenchResults][], sameBuild = false): Comparison {
  const inputs: RunInput[] = runs.map(([side, results], k) => ({ side, results, file: `results/run-${k + 1}-${side}.json` }));
  return compareRuns({ runs: inputs, sides, sameBuild, startedAt: "2026-12-01T20:00:00.000Z", finishedAt: "2026-12-01T20:12:30.000Z", order: runs.map(([s]) => s) });
}
const rowOf = (c: Comparison, key: string) => c.rows.find((r) => r.key === key)!;
/** The report with its wrapped notes joined again. */
const flat = (text: string) => text.replace(/\s+/g, " ");

describe("median", () => {
  it("is the middle value, or the mean of the middle two, of the finite values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, NaN, 1])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe("ratio B/A", () => {
  it("is the ratio of the medians, with the min–max of the pairwise ratios", () => {
    const r = ratioOf([100, 120, 110], [90, 132, 99]);
    expect(r.medianA).toBe(110);
    expect(r.medianB).toBe(99);
    expect(r.ratio).toBeCloseTo(0.9, 10);
    expect(r.pairs.map((x) => Number(x.toFixed(3)))).toEqual([0.9, 1.1, 0.9]);
    expect(r.min).toBeCloseTo(0.9, 10);
    expect(r.max).toBeCloseTo(1.1, 10);
  });

  it("is not the median of the pairwise ratios", () => {
    // Medians 20 and 20: ratio 1; pairs 0.5, 2, 1.5: their median would be 1.5.
    const r = ratioOf([40, 10, 20], [20, 20, 30]);
    expect(r.ratio).toBe(1);
    expect(median(r.pairs)).toBe(1.5);
  });

  it("leaves out a pair with a missing figure or a zero on side A, and has no ratio when nothing is left", () => {
    const r = ratioOf([0, 10, undefined], [5, 20, 30]);
    expect(r.pairs[0]).toBeNaN();
    expect(r.pairs[2]).toBeNaN();
    expect([r.min, r.max]).toEqual([2, 2]);
    // Medians: A of 0 and 10 (5), B of 5, 20 and 30 (20).
    expect(r.ratio).toBe(20 / 5);
    const none = ratioOf([undefined], [3]);
    expect(none.ratio).toBeNaN();
    expect(none.min).toBeNaN();
  });
});

describe("comparing runs", () => {
  it("pairs the i-th run of A with the i-th of B and reads each headline figure", () => {
    const c = comparisonOf([
      ["A", fakeRun({ happyP50: 60, throughput: 100 })],
      ["B", fakeRun({ happyP50: 54, throughput: 130 })],
      ["A", fakeRun({ happyP50: 80, throughput: 90 })],
      ["B", fakeRun({ happyP50: 80, throughput: 100 })],
    ]);
    expect(c.pairs).toBe(2);
    const p50 = rowOf(c, "happy.p50");
    expect(p50.a).toEqual([60, 80]);
    expect(p50.b).toEqual([54, 80]);
    expect(p50.ratio).toBeCloseTo(67 / 70, 10);
    expect([p50.min, p50.max]).toEqual([0.9, 1]);
    const tput = rowOf(c, "throughput.max");
    expect(tput.better).toBe("higher");
    expect(tput.ratio).toBeCloseTo(115 / 95, 10);
    expect(c.durationSeconds).toBe(750);
    expect(c.runs.map((r) => `${r.index}${r.side}`)).toEqual(["1A", "2B", "3A", "4B"]);
  });

  it("reports the floor, CPU per saga at the peak per process and in all, idle cores and peak RSS per service", () => {
    const c = comparisonOf([
      ["A", fakeRun({ orderCpu: 4 })],
      ["B", fakeRun({ orderCpu: 3 })],
    ]);
    const keys = c.rows.map((r) => r.key);
    for (const key of ["floor.latency", "floor.throughput", "happy.p99", "compensation.p50", "cpu.order", "cpu.pg:order", "cpu.kafka", "cpu.total", "idle.cores", "rss.order", "rss.delivery"]) {
      expect(keys).toContain(key);
    }
    expect(c.rows.filter((r) => r.floor).map((r) => r.key)).toEqual(["floor.latency", "floor.throughput"]);
    expect(rowOf(c, "cpu.order").ratio).toBe(0.75);
    // The four services and the broker: 0.01 + 0.01 + 0 + 0 + 0.05.
    expect(rowOf(c, "idle.cores").a[0]).toBeCloseTo(0.07, 10);
    expect(rowOf(c, "rss.order").a).toEqual([370]);
  });

  it("summarises each run's disturbance from other programs during its load steps", () => {
    const c = comparisonOf([
      ["A", fakeRun({ otherCores: 0.4 })],
      ["B", fakeRun({ otherCores: 0.1 })],
    ]);
    expect(c.runs.map((r) => r.otherCoresDuringLoad)).toEqual([0.4, 0.1]);
  });

  it("has a figure missing from a run's results as no value, not as zero", () => {
    const old = fakeRun();
    (old.resources as { cpuMsPerSaga: unknown[] }).cpuMsPerSaga = [];
    const c = comparisonOf([
      ["A", old],
      ["B", fakeRun()],
    ]);
    expect(rowOf(c, "cpu.total").a[0]).toBeNaN();
    expect(rowOf(c, "cpu.total").ratio).toBeNaN();
    expect(headlineFigures.every((f) => f.of(old) === undefined || Number.isFinite(f.of(old)!))).toBe(true);
  });
});

describe("the comparison's table", () => {
  const c = comparisonOf([
    ["A", fakeRun({ floor: 24, happyP50: 60 })],
    ["B", fakeRun({ floor: 25, happyP50: 54 })],
    ["A", fakeRun({ floor: 26, happyP50: 62 })],
    ["B", fakeRun({ floor: 25, happyP50: 62 })],
  ]);
  const text = formatComparison(c);
  const lines = text.split("\n");

  it("names both sides with their commit and Node", () => {
    expect(text).toContain("A: HEAD~1 = aaaaaaa, services on Node 20.20.2 (/usr/bin/node)");
    expect(text).toContain("B: HEAD = bbbbbbb, services on Node 24.22.3 (/usr/local/bin/node)");
    expect(text).toContain("2 pairs, run A B A B, 12.5 min");
  });

  it("gives each run's value, the medians, B/A and the pairs' range on the figure's line", () => {
    const line = lines.find((l) => l.includes("one at a time, happy p50"))!;
    expect(line.split(/\s{3,}/).map((s) => s.trim())).toEqual(["one at a time, happy p50", "ms", "lower", "60.0  62.0", "54.0  62.0", "61.0", "58.0", "0.95", "0.90–1.00"]);
  });

  it("gives the floor's ratio in words, as the machine's share", () => {
    expect(flat(text)).toContain("so its ratio is what the machine alone changed between the sides' runs: happy saga latency 1.00 (0.96–1.04), throughput 1.00 (1.00–1.00).");
  });

  it("lines up its columns: every line of the table ends where the header does", () => {
    const start = lines.findIndex((l) => l.trimStart().startsWith("figure"));
    const table = lines.slice(start, start + c.rows.length + 2).filter((l) => l !== "");
    expect(table).toHaveLength(c.rows.length + 1);
    const width = [...table[0]!].length;
    for (const l of table) expect([...l].length).toBe(width);
  });

  it("says when one pair gives no spread, when both sides are one build, and when a run lost sagas", () => {
    expect(text).not.toContain("One pair");
    const one = comparisonOf([
      ["A", fakeRun({ lost: 3 })],
      ["B", fakeRun()],
    ], true);
    const t = flat(formatComparison(one));
    expect(t).toContain("One pair: the spread is a single ratio");
    expect(t).toContain("every ratio here is the machine's noise");
    expect(t).toContain("run 1 (A): 3 sagas lost");
  });

  it("shows a missing figure as a dash", () => {
    const old = fakeRun();
    (old.resources as { cpuMsPerSaga: unknown[] }).cpuMsPerSaga = [];
    const t = formatComparison(comparisonOf([["A", old], ["B", fakeRun()]]));
    const line = t.split("\n").find((l) => l.includes("all of ours"))!;
    expect(line.split(/\s{3,}/).map((s) => s.trim()).slice(3)).toEqual(["–", "13.0", "–", "13.0", "–", "–"]);
  });

  it("is a Markdown table with as many cells on each row as in its header", () => {
    const md = comparisonMarkdown(c).split("\n");
    const rows = md.filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(c.rows.length + 2);
    const cellsOf = (l: string) => l.replace(/\\\|/g, "").split("|").length;
    for (const r of rows) expect(cellsOf(r)).toBe(cellsOf(rows[0]!));
    expect(md).toContain("| one at a time, happy p50 | ms | lower | 60.0  62.0 | 54.0  62.0 | 61.0 | 58.0 | 0.95 | 0.90–1.00 |");
  });
});

describe("formatting", () => {
  it("prints figures as the single-run report does", () => {
    expect(formatValue(58, "ms")).toBe("58.0");
    expect(formatValue(132.17, "sagas/s")).toBe("132");
    expect(formatValue(0.07, "cores")).toBe("0.07");
    expect(formatValue(371.6, "MB")).toBe("372");
    expect(formatValue(NaN, "ms")).toBe("–");
  });

  it("wraps the notes at word boundaries", () => {
    expect(wrap("the floor is the same code on both sides", 16)).toEqual(["the floor is the", "same code on", "both sides"]);
    expect(wrap("a verylongwordindeed b", 5)).toEqual(["a", "verylongwordindeed", "b"]);
  });

  it("aligns text left and figures right", () => {
    expect(alignColumns([["a", "1"], ["bbb", "22"]], [false, true])).toEqual(["a      1", "bbb   22"]);
  });
});
