import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// `node bench/dist/profile-summary.js [dir]`: where a service's CPU went, from the V8 CPU profiles a
// `BENCH_PROFILE=1 pnpm bench` run leaves in .local/bench-profiles/<service>/ (self time by package).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** µs of the monotonic clock, as process.hrtime's. */
  startTime: number;
  endTime: number;
}

/** A stretch of a run in µs of the monotonic clock (process.hrtime.bigint() / 1000). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

function categoryOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native/V8)";
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm) return pnpm[1]!.replace("+", "/");
  const plain = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(url);
  if (plain) return plain[1]!;
  const own = /\/(packages|services)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith("node:")) return "node (built-in modules)";
  return url;
}

const isOwnCode = (category: string) => !category.startsWith("(") && category !== "node (built-in modules)";

/** Where the CPU went, over the whole profile or only the samples inside `window`. */
export function summarizeProfile(file: string, window?: ProfileWindow): {
  totalMs: number;
  byCategory: [string, number][];
  /** Native, V8 and Node built-in time charged to the nearest package up the stack that called it. */
  byCaller: [string, number][];
  topFunctions: [string, number][];
} {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const callerOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      const category = categoryOf(url, functionName);
      if (isOwnCode(category)) return category;
    }
    return categoryOf(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
  };
  const callers = new Map<string, number>();
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at >= window.toUs)) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)") continue;
    total += ms;
    const category = categoryOf(url, functionName);
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const caller = callerOf(id);
    callers.set(caller, (callers.get(caller) ?? 0) + ms);
    const name = `${functionName || "(anonymous)"} ${category}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byCategory: sorted(categories), byCaller: sorted(callers), topFunctions: sorted(functions).slice(0, 12) };
}

if (require.main === module) {
  const dir = process.argv[2] ?? join(__dirname, "..", "..", ".local", "bench-profiles");
  for (const service of readdirSync(dir)) {
    for (const file of readdirSync(join(dir, service)).filter((f) => f.endsWith(".cpuprofile"))) {
      const { totalMs, byCategory, byCaller, topFunctions } = summarizeProfile(join(dir, service, file));
      console.log(`\n${service} (${file}): ${(totalMs / 1000).toFixed(1)} s of CPU outside idle`);
      console.log("  self time by package:");
      for (const [name, ms] of byCategory.slice(0, 12)) console.log(`  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}`);
      console.log("  with native/V8/Node time charged to the package that called it:");
      for (const [name, ms] of byCaller.slice(0, 10)) console.log(`  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}`);
      console.log("  top functions (self time):");
      for (const [name, ms] of topFunctions) console.log(`  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}`);
    }
  }
}
