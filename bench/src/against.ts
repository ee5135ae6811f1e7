import { join } from "node:path";

// `pnpm bench --against <git-ref>` and `--against-node <node>`: what to compare, what to build,
// in which order to run. Pure: scripts/bench.mjs does the git, the builds and the runs.

export interface BenchArgs {
  /** --against <git-ref>: side A's services are built from this commit. */
  against?: string;
  /** --against-node <path>: side A's services are run by this Node binary. */
  againstNode?: string;
  /** Everything else, for bench/dist/main.js (e.g. --quick). */
  rest: string[];
}

export const usage = "usage: pnpm bench [--quick] [--against <git-ref>] [--against-node <path-to-node>]";

/** The options bench/dist/main.js itself reads. */
const mainOptions = ["--quick"];

/** Reads the options of `pnpm bench`; throws with a one-line reason on a bad one (a typo is not ignored). */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--(against|against-node)(?:=(.*))?$/.exec(arg);
    if (!match) {
      if (!mainOptions.includes(arg)) throw new Error(`unknown option "${arg}" (${usage})`);
      out.rest.push(arg);
      continue;
    }
    const option = match[1] as "against" | "against-node";
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`--${option} needs a value (${usage})`);
      i++;
    }
    if (value === "") throw new Error(`--${option} needs a value (${usage})`);
    const key = option === "against" ? "against" : "againstNode";
    if (out[key] !== undefined) throw new Error(`--${option} given twice ("${out[key]}" and "${value}")`);
    out[key] = value;
  }
  return out;
}

export const comparing = (args: BenchArgs) => args.against !== undefined || args.againstNode !== undefined;

/** BENCH_PAIRS: how many A B pairs (2 by default). */
export function parsePairs(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 2;
  const pairs = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(pairs) || pairs < 1 || pairs > 50) throw new Error(`BENCH_PAIRS must be an integer from 1 to 50, got "${raw}"`);
  return pairs;
}

export type SideName = "A" | "B";

export interface Side {
  name: SideName;
  /** What the user asked for ("HEAD~1", "HEAD"). */
  ref: string;
  /** The full commit hash it resolved to. */
  commit: string;
  /** The Node binary that runs this side's services. */
  node: string;
}

/**
 * The two sides: B is the HEAD commit run by this Node; A is `--against`'s commit (HEAD's without
 * it) run by `--against-node`'s binary (this Node without it). Ratios are B/A: "what HEAD changed".
 */
export function planSides(o: { args: BenchArgs; head: string; againstCommit?: string; currentNode: string }): { a: Side; b: Side } {
  if (!comparing(o.args)) throw new Error("nothing to compare: give --against <git-ref> and/or --against-node <path>");
  if (o.args.against !== undefined && o.againstCommit === undefined) throw new Error(`--against ${o.args.against}: its commit is not known`);
  return {
    a: { name: "A", ref: o.args.against ?? "HEAD", commit: o.againstCommit ?? o.head, node: o.args.againstNode ?? o.currentNode },
    b: { name: "B", ref: "HEAD", commit: o.head, node: o.currentNode },
  };
}

/** "HEAD~1 = 91438e8", or just "91438e8" when the ref is the commit's hash (or a prefix of it). */
export const refName = (ref: string, commit: string) =>
  /^[0-9a-f]{4,40}$/i.test(ref) && commit.startsWith(ref.toLowerCase()) ? commit.slice(0, Math.max(7, ref.length)) : `${ref} = ${commit.slice(0, 7)}`;

/** Both sides are one build run by one binary: the comparison then measures the machine's noise. */
export const sameSides = (a: Side, b: Side) => a.commit === b.commit && a.node === b.node;

/** Where a commit is checked out and built, under the checkout's .local/. */
export const buildDirOf = (root: string, commit: string) => join(root, ".local", "bench-builds", commit);

/** The file a finished build writes last: its presence means the build is whole. */
export const BUILD_MARKER = ".bench-build-complete";

export type BuildState = "complete" | "partial" | "absent";

export interface BuildStep {
  commit: string;
  dir: string;
  /** reuse: built before for this commit; build: nothing there yet; rebuild: an earlier build was interrupted (wiped first). */
  action: "reuse" | "build" | "rebuild";
}

/** One build per distinct commit of the sides, reusing a complete one. */
export function planBuilds(sides: readonly Side[], root: string, stateOf: (dir: string) => BuildState): BuildStep[] {
  const commits = [...new Set(sides.map((s) => s.commit))];
  return commits.map((commit) => {
    const dir = buildDirOf(root, commit);
    const state = stateOf(dir);
    return { commit, dir, action: state === "complete" ? "reuse" : state === "partial" ? "rebuild" : "build" };
  });
}

/** A B A B …: the sides alternate, so a drift of the machine over time hits both alike. */
export const runOrder = (pairs: number): SideName[] => Array.from({ length: pairs }, () => ["A", "B"] as SideName[]).flat();

/**
 * Why this harness cannot measure a side's build (undefined when it can): the harness starts
 * `services` (its own saga map's) from services/<s>/dist/main.js with their migrations beside
 * them, creates the topics with the side's own create-topics.js, and a side with a service more
 * than the harness knows would never finish a saga. `exists` tests a path relative to the build;
 * `sideServices` are the folders under the build's services/.
 */
export function unfitForHarness(services: readonly string[], sideServices: readonly string[], exists: (relativePath: string) => boolean): string | undefined {
  const needed = [...services.flatMap((s) => [`services/${s}/dist/main.js`, `services/${s}/prisma/migrations`]), "packages/messaging/dist/create-topics.js"];
  const missing = needed.filter((p) => !exists(p));
  if (missing.length) return `its build has no ${missing.join(", ")}`;
  const extra = sideServices.filter((s) => !services.includes(s));
  if (extra.length) return `it has services the harness does not start (${extra.join(", ")}; the harness knows ${services.join(", ")})`;
  return undefined;
}
