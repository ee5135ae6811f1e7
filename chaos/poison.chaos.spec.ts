import { readFileSync, statSync } from "node:fs";
import type { ServiceName } from "../e2e/support/system";
import { diff, snapshotAll, sql } from "./support/db";
import { chaosEnv, progress, seededRandom, writeFigures } from "./support/env";
import { sagaTopicList, kafka, readTopics, topicOffsets, withAdmin, type TopicMessage } from "./support/kafka";
import { createUsers, placeReliably, planOrders, pool, waitUntilSettled, type PlacementStats, } from "./support/orders";
import { poisonFor, type Poison } from "./support/poison";
import { Fleet } from "./support/processes";
import { verifyOrders } from "./support/verify";

// 4 of "prove it loses nothing": poison on every partition of every saga topic (events, commands
// and replies). Each message
// ends in the dead-letter topic of every consumer that follows it, or is ignored by rule and
// logged; nothing changes in any database, nothing is emitted, and good sagas placed right
// behind the poison complete.

jest.setTimeout(10 * 60_000);
// debug: the services then log the events they skip by rule, which this suite checks.
const fleet = new Fleet("debug");
const random = seededRandom(chaosEnv.seed + 1);
const figures: Record<string, any> = {};
const deadLetterTopics = ["order", "user", "payment", "delivery"].map((s) => `${s}.dead-letter`);

beforeAll(async () => {
  await fleet.start();
});
afterAll(async () => {
  await fleet.stop();
  writeFigures("poison", figures);
});

test("poison on every topic is dead-lettered or ignored by rule; no state changes; the good sagas behind it complete", async () => {
  // Processed messages to forge changed copies of: one saga of each outcome in each model.
  const seedUsers = await createUsers(1, 1);
  const seedOrders = planOrders(8, seedUsers, random);
  const stats: PlacementStats = { attempts: 0, serverErrors: 0, networkErrors: 0, replayed: 0 };
  for (const order of seedOrders) await placeReliably(order, stats);
  await waitUntilSettled(seedOrders.map((o) => o.id!), 60_000, "the seed orders");
  const approvedIds = new Set(seedOrders.filter((o) => o.scenario === "approved").map((o) => o.id));
  const seen = (await readTopics(sagaTopicList)).filter((m) => approvedIds.has(m.json?.orderId));
  const originalOn = (topic: string, type: string): TopicMessage => {
    const found = seen.find((m) => m.topic === topic && m.json.type === type);
    if (!found) throw new Error(`no ${type} of an approved seed order on ${topic}`);
    return found;
  };
  const originals: Record<string, TopicMessage> = {
    "order.events": originalOn("order.events", "OrderCreated"),
    "user.events": originalOn("user.events", "CreditReserved"),
    "payment.events": originalOn("payment.events", "PaymentCompleted"),
    "delivery.events": originalOn("delivery.events", "DeliveryScheduled"),
    "user.commands": originalOn("user.commands", "ReserveCredit"),
    "payment.commands": originalOn("payment.commands", "ChargePayment"),
    "delivery.commands": originalOn("delivery.commands", "ScheduleDelivery"),
    "order.replies": originalOn("order.replies", "ReserveCreditSucceeded"),
  };

  // Users for the good orders exist before the snapshot; only their balances may change.
  const goodUsers = await createUsers(2, 1);
  await waitUntilSettled([], 60_000, "the system before the poison");
  const before = await snapshotAll();
  const dlqFrom = await withAdmin((admin) => topicOffsets(admin, deadLetterTopics));
  const eventsFrom = await withAdmin((admin) => topicOffsets(admin, sagaTopicList));
  const logFrom = new Map(fleet.services.map((s) => [s.name, statSync(s.logFile).size]));

  // The poison, on every partition of every event topic.
  const partitions = (await withAdmin((admin) => topicOffsets(admin, sagaTopicList)))["order.events"]!.length;
  const poison: Poison[] = sagaTopicList.flatMap((topic) => Array.from({ length: partitions }, (_, p) => p).flatMap((p) => poisonFor(topic, p, originals[topic]!)));
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const topic of sagaTopicList) {
      for (let partition = 0; partition < partitions; partition++) {
        const batch = poison.filter((p) => p.topic === topic && p.partition === partition);
        const [meta] = await producer.send({
          topic,
          acks: -1,
          messages: batch.map((p) => ({ partition, key: p.key, value: p.value, headers: p.headers })),
        });
        batch.forEach((p, i) => {
          p.offset = Number(meta!.baseOffset) + i;
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
  const kinds = [...new Set(poison.map((p) => p.kind))];
  progress(`produced ${poison.length} poison messages (${kinds.length} kinds x ${sagaTopicList.length} topics x ${partitions} partitions); placing good orders behind them`);

  // Good sagas right behind the poison, on the same partitions.
  const good = planOrders(12, goodUsers, random);
  await pool(good, 6, async (order) => void (await placeReliably(order, stats)));
  await waitUntilSettled(good.map((o) => o.id!), 120_000, "the poison run");

  // 1. Every good saga ended as it should.
  const goodVerdict = await verifyOrders(good, goodUsers);
  const goodProblems = [...goodVerdict.lost, ...goodVerdict.duplicated, ...goodVerdict.wrong, ...goodVerdict.creditMismatches];

  // 2. No state changed except by the good sagas.
  const goodIds = new Set(good.map((o) => o.id!));
  const goodEventIds = new Set<string>();
  for (const service of ["order", "user", "payment", "delivery"] as ServiceName[]) {
    for (const row of await sql(service, "SELECT event_id FROM outbox WHERE key = ANY($1::text[])", [[...goodIds]])) goodEventIds.add(row.event_id);
  }
  const goodUserIds = new Set([...goodUsers.rich, ...goodUsers.poor]);
  const unexplained = diff(before, await snapshotAll()).filter((change) => {
    const row = JSON.parse(change.after ?? change.before!);
    const about = [row.id, row.order_id, row.key, row.event_id];
    if (about.some((v) => goodIds.has(v) || goodEventIds.has(v))) return false;
    return !(change.table === "users" && goodUserIds.has(row.id));
  });

  // 3. Nothing emitted but the good sagas' events and the poison itself.
  const poisonAt = new Set(poison.map((p) => `${p.topic}/${p.partition}@${p.offset}`));
  const emitted = (await readTopics(sagaTopicList, eventsFrom)).filter((m) => !poisonAt.has(`${m.topic}/${m.partition}@${m.offset}`) && !goodIds.has(m.json?.orderId));

  // 4. Every consumer did with every poison message what it must.
  const dead = await readTopics(deadLetterTopics, dlqFrom);
  const problems: string[] = [];
  let deadLettered = 0;
  let ignoredByRule = 0;
  let duplicatesIgnored = 0;
  const matched = new Set<TopicMessage>();
  const logs = new Map(fleet.services.map((s) => [s.name, readFileSync(s.logFile, "utf8").slice(logFrom.get(s.name))]));
  for (const p of poison) {
    const source = `${p.topic}/${p.partition}@${p.offset}`;
    for (const [consumer, { fate, reason }] of Object.entries(p.fate) as [ServiceName, { fate: string; reason?: RegExp }][]) {
      const label = `${p.kind} on ${source}, consumer ${consumer}`;
      const letters = dead.filter((m) => m.topic === `${consumer}.dead-letter` && m.headers["dead-letter-source"] === source);
      for (const m of letters) matched.add(m);
      if (fate === "dead-letter") {
        if (letters.length !== 1) problems.push(`${label}: ${letters.length} dead letters, expected 1`);
        const letter = letters[0];
        if (!letter) continue;
        deadLettered++;
        if (!reason!.test(letter.headers["dead-letter-reason"] ?? "")) problems.push(`${label}: reason "${letter.headers["dead-letter-reason"]}" does not match ${reason}`);
        if (!(letter.value ?? Buffer.alloc(0)).equals(p.value ?? Buffer.alloc(0))) problems.push(`${label}: the dead letter does not carry the original bytes`);
        if (letter.key !== p.key) problems.push(`${label}: the dead letter lost its key`);
      } else {
        if (letters.length) problems.push(`${label}: dead-lettered ("${letters[0]!.headers["dead-letter-reason"]}"), expected ${fate}`);
        const log = logs.get(consumer)!.split("\n");
        const logged =
          fate === "duplicate"
            ? log.some((l) => l.includes(`"eventId":"${p.eventId}"`) && l.includes("already processed; redelivery ignored"))
            : log.some((l) => l.includes(`"orderId":"${p.orderId}"`) && l.includes(`"eventType":"${p.eventType}"`) && l.includes("not for this service; skipped"));
        if (!logged) problems.push(`${label}: ${fate}, but no log line says so`);
        if (fate === "duplicate") duplicatesIgnored++;
        else ignoredByRule++;
      }
    }
  }
  const strayLetters = dead.filter((m) => !matched.has(m));

  const expectedLetters = poison.reduce((n, p) => n + Object.values(p.fate).filter((f) => f.fate === "dead-letter").length, 0);
  Object.assign(figures, {
    poisonTried: poison.length,
    poisonKinds: kinds,
    consumerDeliveries: poison.reduce((n, p) => n + Object.keys(p.fate).length, 0),
    deadLetteredExpected: expectedLetters,
    deadLettered,
    ignoredByRule,
    duplicatesIgnored,
    strayDeadLetters: strayLetters.length,
    stateChanges: unexplained.length,
    eventsEmitted: emitted.length,
    goodOrders: good.length,
    goodOrdersCompleted: goodVerdict.terminal,
    problems: problems.slice(0, 50),
  });
  progress(
    `poison: ${poison.length} messages, ${deadLettered}/${expectedLetters} dead letters as expected, ${ignoredByRule} ignored by rule, ${duplicatesIgnored} duplicates ignored; ` +
      `${unexplained.length} state changes, ${emitted.length} events emitted; ${goodVerdict.terminal}/${good.length} good orders completed`,
  );

  expect(goodProblems).toEqual([]);
  expect(goodVerdict.terminal).toBe(good.length);
  expect(unexplained.map((c) => `${c.service}.${c.table} ${c.key}: ${c.before ?? "(none)"} -> ${c.after ?? "(none)"}`)).toEqual([]);
  expect(emitted.map((m) => `${m.topic}: ${m.value?.toString().slice(0, 200)}`)).toEqual([]);
  expect(problems).toEqual([]);
  expect(strayLetters.map((m) => `${m.topic}: ${m.headers["dead-letter-reason"]} (${m.headers["dead-letter-source"]})`)).toEqual([]);
  expect(deadLettered).toBe(expectedLetters);
});
