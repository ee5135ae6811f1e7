// `pnpm test:chaos`: the reliability suite (chaos/*.chaos.spec.ts). Like `pnpm test`, but with a
// broker of its own (29092/29093, .local/kafka-chaos, fresh each run), a Postgres cluster of its
// own (25433, .local/postgres-chaos, fresh each run) and service ports 5001-5004, so it can kill,
// restart and flood things without touching a running `pnpm start` (3001-3004) or `pnpm test`
// (4001-4004, broker 19092), or any other Postgres on the machine.
// Then its cluster part (chaos/cluster.chaos.spec.ts) on a Kafka cluster of three of its own
// (29092/29094/29096, controllers one above each, .local/kafka-chaos/node-N) and a fresh Postgres
// cluster again: CHAOS_CLUSTER=0 leaves it out, CHAOS_CLUSTER=only runs just it.
// It prints its figures at the end and writes them to results/chaos-summary.json.
// Extra arguments go to jest, e.g. `pnpm test:chaos -t poison`. CHAOS_SEED=<n> replays a run's plan.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { clustered, environments } from "./lib/environments.mjs";
import { jest, withInfrastructure } from "./lib/infrastructure.mjs";
import { root, run } from "./lib/run.mjs";

const started = Date.now();
const environment = environments.chaos;
const resultsDir = join(root, "results");
const partsDir = join(resultsDir, "chaos");
const seed = process.env.CHAOS_SEED ?? String(Date.now() % 1_000_000);
const clusterPart = process.env.CHAOS_CLUSTER ?? "1";
if (!["0", "1", "only"].includes(clusterPart)) {
  console.error(`CHAOS_CLUSTER must be 0 (leave the cluster part out), 1 (run it too, the default) or only, got "${clusterPart}"`);
  process.exit(1);
}
// The parts on one broker, and the cluster part, each chosen by its file.
const specs = readdirSync(join(root, "chaos")).filter((f) => f.endsWith(".chaos.spec.ts"));
const only = (files) => ["--testPathPatterns", `chaos/(${files.map((f) => f.replaceAll(".", "\\.")).join("|")})$`];
const singleBrokerSpecs = only(specs.filter((f) => f !== "cluster.chaos.spec.ts"));
const clusterSpecs = only(["cluster.chaos.spec.ts"]);

// Ctrl-C reaches jest and the services too; staying alive here lets the broker be stopped.
process.on("SIGINT", () => console.error("\nchaos: interrupted; cleaning up"));

run(process.execPath, [join(root, "scripts", "build.mjs")]);
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.tests.json"]);
rmSync(join(root, ".local", "chaos-logs"), { recursive: true, force: true });
rmSync(partsDir, { recursive: true, force: true });
/** One part: the suite's files `files` on `infrastructure` (a cluster of Postgres of its own, fresh: the suite kills its postmaster). */
const runPart = (infrastructure, files) =>
  withInfrastructure(infrastructure, { freshCluster: true }, (env, postgres) => {
    if (!postgres.own) console.log("chaos: PG_ADMIN_URL is set, so the Postgres restart and crash are left out (the suite only disrupts a cluster of its own)");
    const suiteEnv = {
      ...env,
      // Set only for a cluster of the suite's own: the one Postgres it may restart and kill.
      CHAOS_POSTGRES_CLUSTER: postgres.own ? environment.name : "",
      TEST_LOG_DIR: "chaos-logs",
      CHAOS_SEED: seed,
    };
    jest(["chaos"], [...files, ...process.argv.slice(2)], suiteEnv);
  });

let exitCode = 1;
try {
  if (clusterPart !== "only") await runPart(environment, singleBrokerSpecs);
  if (clusterPart !== "0") {
    console.log("\nchaos: the cluster part, on a Kafka cluster of three nodes");
    await runPart(clustered(environment), clusterSpecs);
  }
  exitCode = 0;
} catch (error) {
  console.error(error.message);
}

// One summary of every part that ran.
const parts = existsSync(partsDir)
  ? Object.fromEntries(readdirSync(partsDir).filter((f) => f.endsWith(".json")).map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(join(partsDir, f), "utf8"))]))
  : {};
const { crash = {}, poison = {}, "bad-input": bad = {}, cluster = {} } = parts;
const sum = (...xs) => (xs.some((x) => x === undefined) ? undefined : xs.reduce((a, b) => a + b, 0));
const summary = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores, Node ${process.version}`,
  seed: Number(seed),
  passed: exitCode === 0,
  ordersPlaced: sum(crash.ordersPlaced, crash.secondInstance?.orders),
  orchestratedOrders: crash.byModel?.orchestration,
  twoPhaseCommitOrders: crash.byModel?.["two-phase-commit"],
  twoPhaseUnavailable: crash.twoPhaseUnavailable,
  ordersTerminal: sum(crash.ordersTerminal, crash.secondInstance?.terminal),
  ordersLost: sum(crash.lost, crash.secondInstance?.lost),
  duplicatedEffects: sum(crash.duplicatedEffects, crash.secondInstance?.duplicatedEffects),
  wrongOutcomes: crash.wrongOutcomes,
  creditMismatches: crash.creditMismatches,
  eventsRedelivered: crash.redelivery?.eventsRedelivered,
  redeliveriesRecognised: crash.redelivery?.recognisedAsDuplicates,
  redeliveryRowsChanged: crash.redelivery?.rowsChanged,
  redeliveryNewEvents: crash.redelivery?.newEvents,
  republishedAfterCrashes: crash.republishedAfterCrashes ? Object.values(crash.republishedAfterCrashes).reduce((a, b) => a + b, 0) : undefined,
  poisonTried: poison.poisonTried,
  poisonDeadLettered: poison.deadLettered,
  poisonDeadLetterExpected: poison.deadLetteredExpected,
  poisonIgnoredByRule: sum(poison.ignoredByRule, poison.duplicatesIgnored),
  poisonStateChanges: poison.stateChanges,
  badRequestsTried: bad.badRequestsTried,
  badRequests5xx: bad.fiveXx,
  badRequestFailures: bad.failures,
  serviceKills: crash.kills,
  kafkaRestarts: crash.kafkaRestarts,
  postgresRestarts: crash.postgresRestarts,
  postgresCrashes: crash.postgresCrashes,
  serviceCrashes: crash.crashes,
  chosenExits: crash.selfExits?.filter((e) => e.kind !== "crash").length,
  settleSeconds: crash.settleSeconds,
  secondInstanceDuplicatePublishes: crash.secondInstance?.duplicatePublishes,
  totalSeconds: Math.round((Date.now() - started) / 1000),
  parts,
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, "chaos-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);

const rows = [
  ["orders placed", summary.ordersPlaced],
  ["orders terminal", summary.ordersTerminal],
  ["  of the crash run: orchestrated placed / terminal", summary.orchestratedOrders === undefined ? undefined : `${summary.orchestratedOrders.placed} / ${summary.orchestratedOrders.terminal}`],
  [
    "  two-phase commits placed / terminal / aborted, someone down",
    summary.twoPhaseCommitOrders === undefined ? undefined : `${summary.twoPhaseCommitOrders.placed} / ${summary.twoPhaseCommitOrders.terminal} / ${summary.twoPhaseUnavailable}`,
  ],
  ["orders or effects lost", summary.ordersLost],
  ["duplicated effects", summary.duplicatedEffects],
  ["wrong outcomes", summary.wrongOutcomes],
  ["credit balances off", summary.creditMismatches],
  ["events redelivered (groups rewound)", summary.eventsRedelivered],
  ["  recognised as already processed", summary.redeliveriesRecognised],
  ["  rows changed / events emitted by it", summary.redeliveryRowsChanged === undefined ? undefined : `${summary.redeliveryRowsChanged} / ${summary.redeliveryNewEvents}`],
  ["events re-published after crashes", summary.republishedAfterCrashes],
  ["poison messages tried", summary.poisonTried],
  ["  dead-lettered (expected)", summary.poisonDeadLettered === undefined ? undefined : `${summary.poisonDeadLettered} (${summary.poisonDeadLetterExpected})`],
  ["  ignored by rule, logged", summary.poisonIgnoredByRule],
  ["  state changes", summary.poisonStateChanges],
  ["bad requests tried", summary.badRequestsTried],
  ["  5xx seen", summary.badRequests5xx],
  ["  not a 4xx with a JSON reason", summary.badRequestFailures],
  ["services SIGKILLed and restarted", summary.serviceKills],
  ["Kafka restarts / Postgres restarts / Postgres crashes", crash.kafkaRestarts === undefined ? undefined : `${summary.kafkaRestarts} / ${summary.postgresRestarts} / ${summary.postgresCrashes}`],
  ["services that crashed (uncaught error)", summary.serviceCrashes],
  ["  exits they chose (could not start, ...)", summary.chosenExits],
  ["time to settle after the last disruption", summary.settleSeconds === undefined ? undefined : `${summary.settleSeconds} s`],
  ["2 payment instances: duplicate publishes", summary.secondInstanceDuplicatePublishes],
  ["cluster of three: orders placed / terminal", cluster.ordersPlaced === undefined ? undefined : `${cluster.ordersPlaced} / ${cluster.ordersTerminal}`],
  ["  lost / duplicated / wrong", cluster.lost === undefined ? undefined : `${cluster.lost} / ${cluster.duplicatedEffects} / ${cluster.wrongOutcomes}`],
  ["  longest gap between completions, no fault", cluster.calmLongestGapSeconds === undefined ? undefined : `${cluster.calmLongestGapSeconds} s`],
  ...(cluster.stalls ?? []).map((s) => [`  ${s.fault}`, `sagas stalled ${s.longestGapSeconds} s at most (the fault took ${s.seconds} s)`]),
  ["whole run", `${summary.totalSeconds} s`],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`\nchaos summary (${summary.passed ? "PASSED" : "FAILED"}, seed ${seed}; results/chaos-summary.json)`);
for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value ?? "(not run)"}`);
process.exit(exitCode);
