import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { serviceNames, services, type ServiceName } from "@saga-shop/contracts";
import { models, type Model } from "./saga-counts";

// Every knob of a run. `BENCH_QUICK=1` (or `--quick`) is a ~3 minute run without a soak; the
// default full run takes about 10 minutes including a soak of BENCH_SOAK_SECONDS (300; 0 turns it
// off). Finer: BENCH_FLOOR_HOPS, BENCH_FLOOR_BATCH_MESSAGES, BENCH_FLOOR_PG_TX, BENCH_LIGHT_HAPPY,
// BENCH_LIGHT_COMPENSATION, BENCH_STEP_SECONDS (closed loop), BENCH_OPEN_SECONDS, BENCH_FLOOR_HTTP;
// BENCH_MODELS (the transaction models measured, all three by default); BENCH_PROFILE=1
// takes V8 CPU profiles of the services. BENCH_ACCOUNT=1 is the account of a quiet saga instead
// (account.ts): BENCH_ACCOUNT_IDLE_SECONDS, BENCH_ACCOUNT_SAGAS, BENCH_ACCOUNT_CONCURRENCY and
// BENCH_ACCOUNT_PEAK_SECONDS size its three windows; BENCH_ACCOUNT_JFR=0 records no JFR. PG_ADMIN_URL (a superuser's URL) runs it on that server
// instead of the bench's own Postgres cluster. BENCH_SERVICES_ROOT, BENCH_SERVICES_NODE,
// BENCH_SERVICES_COMMIT and BENCH_RESULTS_FILE are set by `pnpm bench --against` (below).

export const root = join(__dirname, "..", "..");

/** BENCH_MODELS: which models, in the order given, the choreography first whether named or not. */
export function modelsOf(value: string | undefined): Model[] {
  const named = (value ?? models.join(",")).split(",").map((m) => m.trim()).filter(Boolean);
  const unknown = named.filter((m) => !(models as readonly string[]).includes(m));
  if (unknown.length > 0) throw new Error(`BENCH_MODELS: no transaction model is called ${unknown.join(", ")} (the models: ${models.join(", ")})`);
  return ["choreography", ...new Set(named.filter((m) => m !== "choreography") as Model[])];
}
const env = process.env;
const quick = env.BENCH_QUICK === "1" || process.argv.includes("--quick");
const num = (name: string, fallback: number) => (env[name] !== undefined && env[name] !== "" ? Number(env[name]) : fallback);

// scripts/bench.mjs passes the superuser URL of the bench's own Postgres cluster (or PG_ADMIN_URL's).
// Checked when a URL is first needed, not on import: render.js reads settings without a server.
const adminUrl = env.PG_ADMIN_URL ?? "";
const admin = () => {
  if (!adminUrl) throw new Error("PG_ADMIN_URL is not set: run the benchmark with `pnpm bench` (it starts its own Postgres cluster)");
  return new URL(adminUrl);
};
/** The same server as the admin URL, as the same (super)user, another database. */
export const superuserUrlOf = (database: string) => {
  const url = admin();
  url.pathname = `/${database}`;
  return url.toString();
};
/** The service's own role, as scripts/lib/databases.mjs creates it. */
export const serviceDatabaseUrlOf = (service: string) => {
  const name = `${settings.dbPrefix}${service}_service`;
  return `postgresql://${name}:${name}@${admin().host}/${name}`;
};

export const settings = {
  mode: quick ? ("quick" as const) : ("full" as const),
  adminUrl,
  /**
   * Whose services are measured: BENCH_SERVICES_ROOT is a checkout with built services
   * (services/<s>/dist/main.js, migrations beside them), this one by default; BENCH_SERVICES_NODE
   * the Node binary that runs them (this one's by default). `pnpm bench --against` sets both, so
   * one harness measures two builds.
   */
  services: {
    root: env.BENCH_SERVICES_ROOT ? resolve(env.BENCH_SERVICES_ROOT) : root,
    node: env.BENCH_SERVICES_NODE || process.execPath,
    /** The commit they were built from, as the caller knows it (otherwise this checkout's). */
    commit: env.BENCH_SERVICES_COMMIT || undefined,
  },
  /** BENCH_RESULTS_FILE: write the run's JSON there only (no bench-latest.*, no chart, no full report). */
  resultsFile: env.BENCH_RESULTS_FILE || undefined,
  dbPrefix: "bench_",
  kafkaBrokers: env.BENCH_KAFKA_BROKERS ?? "127.0.0.1:21092",
  kafkaDir: env.BENCH_KAFKA_DIR ?? join(root, ".local", "kafka-bench"),
  logDir: join(root, ".local", "bench-logs"),
  /** V8 CPU profiles of the services (BENCH_PROFILE=1); profiling slows them, so such a run's figures are not comparable. */
  profile: env.BENCH_PROFILE === "1",
  profileDir: join(root, ".local", "bench-profiles"),
  /** BENCH_PORT_BASE (6000) plus each service's port's last digits in the saga map (order 3001 -> 6001). */
  ports: Object.fromEntries(serviceNames.map((s) => [s, num("BENCH_PORT_BASE", 6000) + (services[s].port % 1000)])) as Record<ServiceName, number>,
  /**
   * The transaction models measured, one after the other on the same services (BENCH_MODELS, comma-separated;
   * all three by default). The choreography is always first: the headline figures, the open loop and the soak are its.
   */
  models: env.BENCH_ACCOUNT === "1" ? modelsOf("choreography") : modelsOf(env.BENCH_MODELS),
  /**
   * BENCH_ACCOUNT=1: after the warm-up, the system idle, then one saga at a time, then a closed
   * loop near the peak, each window accounted for by process, thread, Kafka request, SQL statement
   * and (broker) JFR sample; the rest of the run is left out.
   */
  account: {
    on: env.BENCH_ACCOUNT === "1",
    idleSeconds: num("BENCH_ACCOUNT_IDLE_SECONDS", 30),
    sagas: num("BENCH_ACCOUNT_SAGAS", 100),
    concurrency: num("BENCH_ACCOUNT_CONCURRENCY", 128),
    peakSeconds: num("BENCH_ACCOUNT_PEAK_SECONDS", 10),
    /** BENCH_ACCOUNT_JFR=0: no JFR recording of the broker (its own threads and instrumented code cost the broker CPU). */
    jfr: env.BENCH_ACCOUNT_JFR !== "0",
    /** Where the services write their Kafka request counts (KAFKA_COUNT_REQUESTS, packages/messaging request-counts.ts). */
    countsDir: join(root, ".local", "bench-account"),
  },
  /** The participant APIs' token for this run's services (the two-phase commit's coordinator and participants). */
  twoPhaseCommitToken: randomBytes(16).toString("hex"),
  /** Enough that no two orders in flight (at most 256) share a user: a two-phase commit holds its user's row until phase two. */
  users: 600,
  floor: {
    hopMessages: num("BENCH_FLOOR_HOPS", quick ? 200 : 1000),
    batchMessages: num("BENCH_FLOOR_BATCH_MESSAGES", quick ? 30_000 : 100_000),
    batchSize: 500, // the relay's batch size
    pgTransactions: num("BENCH_FLOOR_PG_TX", quick ? 1000 : 3000),
    httpRoundTrips: num("BENCH_FLOOR_HTTP", quick ? 300 : 1000),
    pgClients: 4,
    pgRateSeconds: quick ? 3 : 5,
  },
  warmup: {
    /** First a few sagas one by one (the consumer groups join), then load, so V8 has compiled the hot paths. */
    sequential: 10,
    concurrency: 8,
    seconds: quick ? 6 : 12,
  },
  light: {
    happy: num("BENCH_LIGHT_HAPPY", quick ? 60 : 200),
    compensation: num("BENCH_LIGHT_COMPENSATION", quick ? 30 : 100),
    pollMs: 10,
  },
  idleSeconds: quick ? 3 : 5,
  closed: {
    concurrencies: [2, 4, 8, 16, 32, 64, 128, 256],
    warmupSeconds: 2,
    seconds: num("BENCH_STEP_SECONDS", quick ? 6 : 8),
    /** A step must beat the best so far by this much to count as growth... */
    minGain: 0.05,
    /** ...and after this many steps without growth the search stops. */
    patience: 2,
    /** ...but not before this many in flight: on a shared machine one disturbed step must not end the search. */
    minConcurrency: 32,
    pollMs: 10,
  },
  open: {
    fractions: [0.5, 0.8],
    warmupSeconds: quick ? 2 : 3,
    seconds: num("BENCH_OPEN_SECONDS", quick ? 12 : 20),
  },
  soak: {
    seconds: num("BENCH_SOAK_SECONDS", quick ? 0 : 300),
    fraction: 0.5,
    sampleSeconds: 5,
    windowSeconds: 30,
  },
  /** A saga that has not finished after this long counts as lost. */
  drainTimeoutMs: 60_000,
  targets: { floorRatio: 2, p99Ms: 250, sagasPerSecond: 200, rssMb: 200 },
};
export type Settings = typeof settings;
