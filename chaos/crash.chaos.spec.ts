import { readFileSync, statSync } from "node:fs";
import { serviceNames } from "../e2e/support/system";
import { diff, inDoubt, rowCount, snapshotAll, unsentOutboxRows } from "./support/db";
import { disrupt, planDisruptions, type DisruptionRecord } from "./support/disruptions";
import { chaosEnv, progress, seededRandom, writeFigures } from "./support/env";
import { sagaTopicList, groups, messageCount, readTopics, resetToEarliest, topicOffsets, withAdmin } from "./support/kafka";
import { createUsers, models, placeReliably, planOrders, pool, scenarios, waitUntilSettled, type PlacementStats, type PlannedOrder, type Users } from "./support/orders";
import { Fleet } from "./support/processes";
import { verdictFigures, verifyOrders, type Verdict } from "./support/verify";

// 1-3 and 7 of "prove it loses nothing": hundreds of orders in the three transaction models while every service is SIGKILLed,
// the broker and the database restarted; then every order checked; then a second payment
// instance; then every event delivered to every consumer again.

const ORDERS = Number(process.env.CHAOS_ORDERS ?? 320);
const PLACE_WINDOW_MS = Number(process.env.CHAOS_WINDOW_MS ?? 50_000);
const SECOND_INSTANCE_ORDERS = 60;

jest.setTimeout(15 * 60_000);
const random = seededRandom(chaosEnv.seed);
const fleet = new Fleet();
const figures: Record<string, any> = { seed: chaosEnv.seed };
let users: Users;
let orders: PlannedOrder[] = [];
let crashFinished = false;

const failIfAny = (what: string, problems: string[]) => {
  if (problems.length) throw new Error(`${problems.length} ${what}:\n  ${problems.slice(0, 25).join("\n  ")}`);
};

beforeAll(async () => {
  progress(`chaos seed ${chaosEnv.seed} (CHAOS_SEED=${chaosEnv.seed} replays this plan); service logs in .local/chaos-logs`);
  await fleet.start();
  progress("four services up");
});

afterAll(async () => {
  await fleet.stop();
  Object.assign(figures, { selfExits: fleet.selfExits, crashes: fleet.crashes.length });
  writeFigures("crash", figures);
});

test(`crash mid-saga: ${ORDERS} orders while every service is killed, Kafka restarts and Postgres restarts and crashes; the system settles`, async () => {
  users = await createUsers(8, 4);
  orders = planOrders(ORDERS, users, random);
  // A second payment process shares the group and the database through the whole run.
  const payment2 = fleet.add("payment", 2);
  await payment2.start();
  const plan = planDisruptions(PLACE_WINDOW_MS, random, 2, [{ service: "payment", instance: 2 }]);
  progress(`placing ${ORDERS} orders over ${PLACE_WINDOW_MS / 1000} s; ${plan.length} disruptions planned`);

  const stats: PlacementStats = { attempts: 0, serverErrors: 0, networkErrors: 0, replayed: 0 };
  const t0 = Date.now();
  let placed = 0;
  const placing = pool(orders, 12, async (order, index) => {
    const due = t0 + (index * PLACE_WINDOW_MS) / ORDERS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    await placeReliably(order, stats);
    if (++placed % 80 === 0) progress(`${placed}/${ORDERS} orders placed`);
  });
  const [, disruptions] = await Promise.all([placing, disrupt(plan, fleet, t0)]);
  const calm = Date.now();
  progress(`all ${ORDERS} orders placed, all disruptions over after ${((calm - t0) / 1000).toFixed(0)} s; waiting for the system to settle`);

  const settled = await waitUntilSettled(
    orders.map((o) => o.id!),
    240_000,
    "the crash run",
  );
  progress(`settled ${(settled.ms / 1000).toFixed(1)} s after the last disruption`);
  crashFinished = true;

  Object.assign(figures, {
    ordersPlaced: orders.filter((o) => o.id).length,
    placement: stats,
    disruptions: disruptions as DisruptionRecord[],
    kills: fleet.kills,
    kafkaRestarts: plan.filter((d) => d.kind === "kafka").length,
    postgresRestarts: plan.filter((d) => d.kind === "postgres-restart").length,
    postgresCrashes: plan.filter((d) => d.kind === "postgres-crash").length,
    selfExits: fleet.selfExits,
    crashes: fleet.crashes.length,
    settleSeconds: Number((settled.ms / 1000).toFixed(1)),
    runSeconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
  });
  expect(orders.every((o) => o.id)).toBe(true);
  expect(fleet.kills).toBeGreaterThanOrEqual(8);
});

let verdict: Verdict;
test("every order is terminal and ended exactly as its scenario dictates; nothing lost, nothing done twice", async () => {
  expect(crashFinished).toBe(true);
  verdict = await verifyOrders(orders, users);
  Object.assign(figures, {
    ...verdictFigures(verdict),
    eventsOnTopics: verdict.eventsOnTopics,
    republishedAfterCrashes: verdict.republished,
    processedEvents: verdict.processedEvents,
    problems: [...verdict.lost, ...verdict.duplicated, ...verdict.wrong, ...verdict.creditMismatches, ...verdict.processing].slice(0, 50),
  });
  const byScenario = Object.fromEntries(scenarios.map((s) => [s, orders.filter((o) => o.scenario === s).length]));
  const byModel = Object.fromEntries(models.map((m) => [m, { placed: orders.filter((o) => o.transaction === m).length, terminal: verdict.terminalByModel[m] }]));
  figures.byModel = byModel;
  figures.twoPhaseUnavailable = verdict.twoPhaseUnavailable;
  progress(
    `checked ${verdict.orders} orders ${JSON.stringify(byScenario)}, by model ${JSON.stringify(byModel)}: ` +
      `${verdict.terminal} terminal, ${verdict.lost.length} lost, ${verdict.duplicated.length} duplicated, ${verdict.wrong.length} wrong`,
  );
  failIfAny("lost orders or effects", verdict.lost);
  failIfAny("duplicated effects", verdict.duplicated);
  failIfAny("orders that ended wrongly", verdict.wrong);
  failIfAny("users whose reserved credit is not what their approved orders spent", verdict.creditMismatches);
  failIfAny("consumer bookkeeping problems", verdict.processing);
  expect(verdict.terminal).toBe(ORDERS);
});

test("no outbox row is left unsent in any database", async () => {
  expect(crashFinished).toBe(true);
  expect(await unsentOutboxRows()).toEqual({ order: 0, user: 0, payment: 0, delivery: 0 });
});

test("no two-phase commit is left in doubt: no prepared transaction in any database, none unfinished in the coordinator's log", async () => {
  expect(crashFinished).toBe(true);
  expect(await inDoubt()).toEqual({ order: 0, user: 0, payment: 0, delivery: 0, unfinished: 0 });
});

test("no service crashed: every exit not caused by the suite was one the service chose (could not start, consumer gave up)", () => {
  expect(crashFinished).toBe(true);
  expect(fleet.crashes.map((c) => `${c.service} at ${c.at}: ${c.error}`)).toEqual([]);
});

test(`two payment instances at once: ${SECOND_INSTANCE_ORDERS} orders, none charged twice, no outbox row published twice`, async () => {
  const payment2 = fleet.get("payment", 2);
  if (!payment2.alive) await payment2.start();
  // Both members in the group, partitions split between them.
  await withAdmin(async (admin) => {
    for (let i = 0; i < 120; i++) {
      const [group] = (await admin.describeGroups(["payment-service"])).groups;
      if (group?.state === "Stable" && group.members.length === 2) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("payment-service group did not settle with two members");
  });
  const logStart = { 1: statSync(fleet.get("payment", 1).logFile).size, 2: statSync(payment2.logFile).size };
  const batchUsers = await createUsers(2, 1);
  const batch = planOrders(SECOND_INSTANCE_ORDERS, batchUsers, random);
  const stats: PlacementStats = { attempts: 0, serverErrors: 0, networkErrors: 0, replayed: 0 };
  await pool(batch, 8, async (order) => void (await placeReliably(order, stats)));
  await waitUntilSettled(batch.map((o) => o.id!), 120_000, "the two-instance batch");

  const messages = await readTopics(sagaTopicList);
  const result = await verifyOrders(batch, batchUsers, messages);
  const ids = new Set(batch.map((o) => o.id));
  // What the payment instances published: events (choreography) and replies (orchestration).
  const paymentEvents = messages.filter((m) => m.json?.producer === "payment" && ids.has(m.json?.orderId));
  const duplicatePublishes = paymentEvents.length - new Set(paymentEvents.map((m) => m.json.id)).size;
  // Which instance charged which order: the log line each writes for a charge or a decline.
  const handledBy = (file: string, from: number) => {
    const lines = readFileSync(file, "utf8").slice(from).split("\n");
    const charged = new Set(lines.filter((l) => /"msg":"payment (of [\d.]+ captured for|for) order /.test(l)).map((l) => /order ([0-9a-f-]{36})/.exec(l)?.[1]));
    return batch.filter((o) => charged.has(o.id)).length;
  };
  const share = { "payment#1": handledBy(fleet.get("payment", 1).logFile, logStart[1]), "payment#2": handledBy(payment2.logFile, logStart[2]) };
  figures.secondInstance = {
    orders: batch.length,
    terminal: result.terminal,
    lost: result.lost.length,
    doublePayments: result.duplicated.filter((p) => /payment/.test(p)).length,
    duplicatedEffects: result.duplicated.length,
    paymentEventsPublished: paymentEvents.length,
    duplicatePublishes,
    ordersSeenByInstance: share,
  };
  progress(`two payment instances: ${batch.length} orders, ${duplicatePublishes} duplicate publishes, orders seen per instance ${JSON.stringify(share)}`);
  await payment2.stop();
  failIfAny("problems with two payment instances", [...result.lost, ...result.duplicated, ...result.wrong, ...result.creditMismatches]);
  expect(duplicatePublishes).toBe(0);
  expect(share["payment#1"]).toBeGreaterThan(0);
  expect(share["payment#2"]).toBeGreaterThan(0);
});

test("redelivery at scale: every consumer group rewound to the beginning changes nothing and emits nothing", async () => {
  expect(crashFinished).toBe(true);
  await fleet.stop();
  const before = await snapshotAll();
  const endsBefore = await withAdmin((admin) => topicOffsets(admin, sagaTopicList));
  let redelivered = 0;
  const rewinding = Date.now();
  await withAdmin(async (admin) => {
    await Promise.all(serviceNames.map((service) => resetToEarliest(admin, service)));
    for (const service of serviceNames) redelivered += messageCount(await topicOffsets(admin, groups[service].topics));
  });
  progress(`all four groups rewound in ${((Date.now() - rewinding) / 1000).toFixed(1)} s: ${redelivered} messages to deliver again (${rowCount(before)} rows in the four databases)`);
  const started = Date.now();
  const restarted = fleet.services.filter((s) => s.instance === 1);
  const logFrom = new Map(restarted.map((s) => [s, statSync(s.logFile).size]));
  await Promise.all(restarted.map((s) => s.start()));
  await waitUntilSettled([], 300_000, "the redelivery");
  // What the consumers said about it: each event they act on was recognised as already processed.
  const recognised = restarted.reduce(
    (n, s) => n + readFileSync(s.logFile, "utf8").slice(logFrom.get(s)).split("\n").filter((l) => l.includes("already processed; redelivery ignored")).length,
    0,
  );
  const after = await snapshotAll();
  const endsAfter = await withAdmin((admin) => topicOffsets(admin, sagaTopicList));
  const changes = diff(before, after);
  figures.redelivery = {
    eventsRedelivered: redelivered,
    recognisedAsDuplicates: recognised,
    processedEventsBefore: serviceNames.reduce((n, s) => n + (before[s].processed_events?.size ?? 0), 0),
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    rowsCompared: rowCount(before),
    rowsChanged: changes.length,
    newEvents: messageCount(endsAfter) - messageCount(endsBefore),
  };
  progress(
    `redelivered ${redelivered} messages in ${figures.redelivery.seconds} s (services restarted and caught up), ${recognised} recognised as already processed: ` +
      `${changes.length} rows changed, ${figures.redelivery.newEvents} new events`,
  );
  failIfAny(
    "rows changed by redelivery",
    changes.map((c) => `${c.service}.${c.table} ${c.key}: ${c.before ?? "(none)"} -> ${c.after ?? "(none)"}`),
  );
  expect(endsAfter).toEqual(endsBefore);
  // Every event a service had processed came again and was recognised (a re-published copy counts again).
  const processedBefore = serviceNames.reduce((n, s) => n + (before[s].processed_events?.size ?? 0), 0);
  expect(recognised).toBeGreaterThanOrEqual(processedBefore);
});
