import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../e2e/support/system";

// What `pnpm test:chaos` (scripts/chaos.mjs) hands the suite. The suite kills processes,
// restarts a Kafka broker and restarts and kills a Postgres cluster, so it refuses to run against
// anything that does not look like the chaos run's own broker, cluster and databases.

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the chaos suite with \`pnpm test:chaos\` (it starts its own broker and databases)`);
  }
  return value;
}

export const chaosEnv = {
  brokers: required("KAFKA_BROKERS").split(","),
  dbPrefix: required("TEST_DB_PREFIX"),
  portBase: Number(required("TEST_PORT_BASE")),
  /** scripts/kafka.sh's settings for the chaos broker (or cluster: KAFKA_NODES), to restart it. */
  kafka: {
    KAFKA_PORT: process.env.KAFKA_PORT ?? "",
    KAFKA_CONTROLLER_PORT: process.env.KAFKA_CONTROLLER_PORT ?? "",
    KAFKA_DIR: process.env.KAFKA_DIR ?? "",
    KAFKA_NODES: process.env.KAFKA_NODES ?? "1",
  },
  seed: Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000),
  /** The name of the suite's own Postgres cluster (`chaos`), or "" when it runs on someone else's server. */
  postgresCluster: process.env.CHAOS_POSTGRES_CLUSTER ?? "",
  resultsDir: join(root, "results", "chaos"),
};

if (chaosEnv.dbPrefix === "test_" || chaosEnv.dbPrefix === "" || chaosEnv.portBase === 4000 || chaosEnv.portBase === 3000) {
  throw new Error("the chaos suite needs databases and ports of its own (TEST_DB_PREFIX=chaos_, TEST_PORT_BASE=5000): run `pnpm test:chaos`");
}

const started = Date.now();
const clock = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};

/** A progress line, straight to the terminal (jest would hold console output back until the file ends). */
export function progress(message: string): void {
  process.stderr.write(`  [chaos ${clock()}] ${message}\n`);
}

/** Figures of one part of the suite; scripts/chaos.mjs merges them into results/chaos-summary.json. */
export function writeFigures(part: string, figures: Record<string, unknown>): void {
  mkdirSync(chaosEnv.resultsDir, { recursive: true });
  writeFileSync(join(chaosEnv.resultsDir, `${part}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small seeded generator (the run prints its seed; CHAOS_SEED=<seed> replays the same plan). */
export function seededRandom(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return {
    next,
    between: (min: number, max: number) => min + next() * (max - min),
    int: (min: number, max: number) => Math.floor(min + next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    shuffle: <T>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [xs[i], xs[j]] = [xs[j]!, xs[i]!];
      }
      return xs;
    },
  };
}
