// The transactional outbox and its relay against real Postgres and a real Kafka broker.
// Events go to topicOf(<a made-up service>), a topic of this file's own, and are read back
// by a collector with a consumer group of its own (see test/support.ts).
import { randomUUID } from "node:crypto";
import { topicOf, type SagaEvent } from "@saga-shop/contracts";
import type { Kafka, Producer } from "kafkajs";
import {
  capturingLogger,
  createTestDatabase,
  createTopics,
  deleteTopicsAndGroups,
  eventually,
  pgTransactionRunner,
  rawEvent,
  silentLogger,
  sleep,
  startCollector,
  testKafka,
  testServiceName,
  type Collector,
  type PgTx,
  type TestDatabase,
} from "../test/support";
import type { TransactionRunner } from "./idempotent-handler";
import { createProducer } from "./kafka";
import { addToOutbox } from "./outbox";
import { startOutboxRelay, type OutboxRelay, type RelayOptions } from "./relay";

jest.setTimeout(30_000);

const service = testServiceName("relay");
const topic = topicOf(service);

let db: TestDatabase;
let runner: TransactionRunner<PgTx>;
let kafka: Kafka;
let producer: Producer;
let collector: Collector;

beforeAll(async () => {
  db = await createTestDatabase("relay");
  runner = pgTransactionRunner(db.pool);
  kafka = testKafka("relay-test");
  await createTopics(kafka, [{ topic, numPartitions: 3 }]);
  producer = createProducer(kafka);
  await producer.connect();
  collector = await startCollector(kafka, [topic]);
});

afterAll(async () => {
  await collector?.stop();
  await producer?.disconnect();
  if (kafka) await deleteTopicsAndGroups(kafka, [topic], collector ? [collector.groupId] : []);
  await db?.drop();
});

/** An event of this file's made-up service; `n` makes each one recognisable in its payload. */
const event = (orderId: string = randomUUID(), n = 0): SagaEvent =>
  rawEvent({ type: "OrderApproved", payload: { totalCents: n } }, service, { orderId });

const ids = (events: readonly SagaEvent[]) => events.map((e) => e.id);

const commit = (events: readonly SagaEvent[]) => runner.$transaction((tx) => addToOutbox(tx, events));

function startRelay(options: Partial<RelayOptions> = {}): OutboxRelay {
  return startOutboxRelay({ connectionString: db.url, producer, logger: silentLogger, ...options });
}

async function outboxRows(eventIds: readonly string[]) {
  const { rows } = await db.pool.query<{ event_id: string; topic: string; key: string; published_at: Date | null }>(
    "SELECT event_id, topic, key, published_at FROM outbox WHERE event_id = ANY($1::uuid[]) ORDER BY seq",
    [eventIds],
  );
  return rows;
}

const allPublished = async (eventIds: readonly string[]) => {
  const rows = await outboxRows(eventIds);
  return rows.length === eventIds.length && rows.every((r) => r.published_at !== null);
};

/** Backends of this database that are LISTENing for outbox commits (i.e. relays' listeners). */
/** Relay connections to the test database (each relay has one; it LISTENs on it). */
async function listeners(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'outbox-relay'",
  );
  return rows[0]!.n;
}

/** Sessions holding the relay lock: at most one may. */
async function lockHolders(): Promise<number[]> {
  const { rows } = await db.pool.query<{ pid: number }>(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242001 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return rows.map((r) => r.pid);
}

describe("outbox + relay", () => {
  test("events committed with addToOutbox are published with key = orderId and event headers, then marked published", async () => {
    const orderA = randomUUID();
    const events = [event(orderA, 1), event(orderA, 2), event(randomUUID(), 3)];
    await commit(events);
    expect((await outboxRows(ids(events))).map((r) => [r.topic, r.key, r.published_at])).toEqual(
      events.map((e) => [topic, e.orderId, null]),
    );

    const relay = startRelay();
    let received: Awaited<ReturnType<typeof collector.waitForEventIds>>;
    try {
      received = await collector.waitForEventIds(ids(events));
    } finally {
      await relay.stop();
    }

    received.forEach((message, i) => {
      const sent = events[i]!;
      expect(message.topic).toBe(topic);
      expect(message.key?.toString()).toBe(sent.orderId);
      expect(message.headers).toMatchObject({
        "event-id": sent.id,
        "event-type": "OrderApproved",
        "correlation-id": sent.correlationId,
        "content-type": "application/json",
      });
      expect(JSON.parse(message.value!.toString())).toEqual(sent);
    });
    // One order's events share a key, hence a partition.
    expect(received[0]!.partition).toBe(received[1]!.partition);
    const rows = await outboxRows(ids(events));
    expect(rows.every((r) => r.published_at instanceof Date)).toBe(true);
  });

  test("events added in a rolled-back transaction are never stored nor published", async () => {
    const relay = startRelay();
    const doomed = [event(), event(), event()];
    const marker = event();
    try {
      await expect(
        runner.$transaction(async (tx) => {
          await addToOutbox(tx, doomed);
          throw new Error("business rule failed after the events were added");
        }),
      ).rejects.toThrow("business rule failed");
      await commit([marker]);
      await collector.waitForEventIds([marker.id]);
      await relay.drain();
    } finally {
      await relay.stop();
    }
    await collector.caughtUp(); // everything on the topic so far has been read
    expect(await outboxRows(ids(doomed))).toEqual([]);
    expect(collector.withEventIds(ids(doomed))).toEqual([]);
  });

  test("a commit wakes the relay through LISTEN/NOTIFY (polling set to once a minute)", async () => {
    await eventually(async () => (await listeners()) === 0, "earlier relays' listeners to go away");
    const relay = startRelay({ pollIntervalMs: 60_000 });
    try {
      await eventually(async () => (await listeners()) === 1, "the relay to LISTEN");
      await relay.drain(); // the start-up drains are over: only a notification can wake it now
      await sleep(200);

      const late = event();
      const committedAt = Date.now();
      await commit([late]);
      await collector.waitForEventIds([late.id], 3000);
      expect(Date.now() - committedAt).toBeLessThan(3000);
      await eventually(() => allPublished([late.id]), "the row to be marked published", 3000);
    } finally {
      await relay.stop();
    }
  });

  test("a relay whose LISTEN connection is killed listens again: rows committed meanwhile and afterwards are published", async () => {
    await eventually(async () => (await listeners()) === 0, "earlier relays' listeners to go away");
    const relay = startRelay({ pollIntervalMs: 60_000 });
    try {
      await eventually(async () => (await listeners()) === 1, "the relay to LISTEN");
      await relay.drain();
      const { rows } = await db.pool.query<{ pid: number }>(
        "SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'outbox-relay'",
      );
      expect(rows).toHaveLength(1);

      const whileDown = event();
      await commit([whileDown]); // nobody hears this commit's notification
      await collector.waitForEventIds([whileDown.id], 5000); // published once the relay listens again
      await eventually(async () => (await listeners()) === 1, "the relay to LISTEN again");

      const after = event();
      await commit([after]);
      await collector.waitForEventIds([after.id], 3000);
    } finally {
      await relay.stop();
    }
  });

  test("commits in quick succession share a Kafka request: drains start at least minDrainIntervalMs apart", async () => {
    let requests = 0;
    const counting = {
      sendBatch: (batch: Parameters<Producer["sendBatch"]>[0]) => {
        requests++;
        return producer.sendBatch(batch);
      },
    } as Producer;
    const relay = startRelay({ producer: counting, minDrainIntervalMs: 400, pollIntervalMs: 60_000 });
    try {
      await eventually(async () => (await listeners()) >= 1, "the relay to LISTEN");
      await relay.drain();
      await sleep(450);
      const lone = event();
      await commit([lone]);
      await collector.waitForEventIds([lone.id]);
      const before = requests;
      // 20 transactions, one after another: each commit notifies the relay.
      const burst = Array.from({ length: 20 }, () => event());
      for (const e of burst) await commit([e]);
      await collector.waitForEventIds(ids(burst));
      expect(requests - before).toBeLessThanOrEqual(2);
      await eventually(() => allPublished(ids(burst)), "the rows to be marked published");
    } finally {
      await relay.stop();
    }
  });

  test("50 events of one order are published, and consumed, in the order they were written", async () => {
    const orderId = randomUUID();
    const events = Array.from({ length: 50 }, (_, n) => event(orderId, n));
    const relay = startRelay({ batchSize: 7 });
    try {
      // Written while the relay runs, interleaved with other orders' events, some in one
      // transaction, so the order's events span many relay batches and wake-ups.
      for (let n = 0; n < 50; ) {
        const chunk = events.slice(n, n + (n % 3) + 1);
        await commit([...chunk, event()]);
        n += chunk.length;
      }
      await collector.waitForEventIds(ids(events));
    } finally {
      await relay.stop();
    }
    const consumed = collector.withEventIds(ids(events));
    expect(new Set(consumed.map((m) => m.partition)).size).toBe(1);
    expect(consumed.map((m) => JSON.parse(m.value!.toString()).payload.totalCents)).toEqual(events.map((_, n) => n));
    expect(consumed.map((m) => m.headers["event-id"])).toEqual(ids(events));
  });
});

describe("nothing committed is lost", () => {
  test("rows committed while no relay runs (a crash between commit and publish) are published by the next relay", async () => {
    const events = Array.from({ length: 30 }, (_, n) => event(randomUUID(), n));
    // Three transactions commit; nobody publishes them (the process "died").
    for (let i = 0; i < 30; i += 10) await commit(events.slice(i, i + 10));
    await sleep(300);
    expect((await outboxRows(ids(events))).filter((r) => r.published_at !== null)).toEqual([]);
    expect(collector.withEventIds(ids(events))).toEqual([]);

    const relay = startRelay({ pollIntervalMs: 60_000 }); // the restart's own drain must find them
    try {
      await collector.waitForEventIds(ids(events));
      await eventually(() => allPublished(ids(events)), "all rows to be marked published");
    } finally {
      await relay.stop();
    }
  });

  test("a relay whose producer fails leaves rows unsent; a later healthy relay publishes them", async () => {
    const broken = createProducer(kafka);
    await broken.connect();
    await broken.disconnect(); // every send now fails
    const { logger, entries } = capturingLogger();
    const events = [event(), event(), event()];
    await commit(events);

    const failing = startRelay({ producer: broken, logger, pollIntervalMs: 60_000 });
    try {
      await eventually(() => entries.some((e) => /outbox publish failed/.test(e.msg)), "the relay to report the failure");
      await failing.drain(); // a second try fails alike
    } finally {
      await failing.stop();
    }
    expect((await outboxRows(ids(events))).map((r) => r.published_at)).toEqual([null, null, null]);
    await collector.caughtUp();
    expect(collector.withEventIds(ids(events))).toEqual([]);

    const healthy = startRelay();
    try {
      await collector.waitForEventIds(ids(events));
      await eventually(() => allPublished(ids(events)), "all rows to be marked published");
    } finally {
      await healthy.stop();
    }
  });
});

describe("two relays on one database", () => {
  test("publish 200 rows between them, each exactly once", async () => {
    const producer2 = createProducer(kafka);
    await producer2.connect();
    const events = Array.from({ length: 200 }, (_, n) => event(randomUUID(), n));
    const relays: OutboxRelay[] = [];
    try {
      await commit(events.slice(0, 50)); // waiting when both start: they race for the same rows
      relays.push(
        startRelay({ batchSize: 10 }),
        startOutboxRelay({
          connectionString: db.url,
          producer: producer2,
          logger: silentLogger,
          batchSize: 10,
        }),
      );
      // The rest in concurrent transactions: every commit notifies both relays at once.
      await Promise.all(
        Array.from({ length: 15 }, (_, i) => commit(events.slice(50 + i * 10, 60 + i * 10))),
      );
      // Both relays drain at the same moment too.
      await Promise.all([relays[0]!.drain(), relays[1]!.drain(), relays[0]!.drain()]);
      await eventually(() => allPublished(ids(events)), "all 200 rows to be marked published");
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await producer2.disconnect();
    }
    await collector.caughtUp();
    const counts = new Map<string, number>();
    for (const m of collector.withEventIds(ids(events))) {
      counts.set(m.headers["event-id"]!, (counts.get(m.headers["event-id"]!) ?? 0) + 1);
    }
    expect(counts.size).toBe(200);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  });

  test("one holds the relay lock and publishes; when it stops, the other takes over", async () => {
    await eventually(async () => (await listeners()) === 0, "earlier relays to go away");
    const first = startRelay();
    let second: OutboxRelay | undefined;
    try {
      await eventually(async () => (await lockHolders()).length === 1, "the first relay to take the lock");
      const [holder] = await lockHolders();
      second = startRelay();
      await eventually(async () => (await listeners()) === 2, "the second relay to connect");
      const before = [event(), event()];
      await commit(before);
      await collector.waitForEventIds(ids(before));
      expect(await lockHolders()).toEqual([holder]); // the second stood by

      await first.stop();
      const after = [event(), event()];
      await commit(after);
      await collector.waitForEventIds(ids(after), 5000); // the second's next wake-up takes the lock
      expect(await lockHolders()).toHaveLength(1);
      expect(await lockHolders()).not.toEqual([holder]);
      await eventually(() => allPublished(ids(after)), "the rows to be marked published");
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  test("when the publisher's session is killed, the one standing by takes over within seconds, says so, and no row goes out twice", async () => {
    await eventually(async () => (await listeners()) === 0, "earlier relays to go away");
    const { logger, entries } = capturingLogger("info");
    const said = (text: string) => entries.some((e) => e.msg === text);
    const a = startRelay({ logger, instance: "relay-a" });
    let b: OutboxRelay | undefined;
    try {
      await eventually(async () => (await lockHolders()).length === 1, "relay-a to take the lock");
      const [holder] = await lockHolders();
      b = startRelay({ logger, instance: "relay-b" });
      await eventually(async () => (await listeners()) === 2, "relay-b to connect");
      const before = [event(), event(), event()];
      await commit(before);
      await eventually(() => allPublished(ids(before)), "relay-a to publish the first rows");
      await eventually(() => said("relay-b stands by: another instance publishes the outbox; it takes over if that one's session ends"), "relay-b to say it stands by");
      expect(said("relay-a publishes the outbox (it holds the relay lock)")).toBe(true);

      // The publisher's session dies as in a crash of its process or a lost connection; the call
      // returns once the backend is gone, so the lock is free. relay-a itself lives on.
      await db.pool.query("SELECT pg_terminate_backend($1, 5000)", [holder]);
      const after = Array.from({ length: 20 }, () => event());
      for (const e of after) await commit([e]);
      // A few seconds: relay-b tries the lock on each commit's notification and every second.
      await collector.waitForEventIds(ids(after), 5000);
      await eventually(() => allPublished(ids(after)), "the rows to be marked published");
      expect(said("relay-b took over the outbox relay: the instance that published it is gone (its session ended)")).toBe(true);
      const [newHolder] = await lockHolders();
      expect(newHolder).not.toBe(holder);

      // relay-a reconnects within a second or so, finds the lock taken, and stands by.
      await eventually(() => said("relay-a stands by: another instance publishes the outbox; it takes over if that one's session ends"), "relay-a to stand by");
      await eventually(async () => (await listeners()) === 2, "relay-a to be connected again");
      const later = [event(), event()];
      await commit(later);
      await eventually(() => allPublished(ids(later)), "relay-b to publish while relay-a stands by");
      expect(await lockHolders()).toEqual([newHolder]);

      await collector.caughtUp();
      const everything = ids([...before, ...after, ...later]);
      const counts = new Map<string, number>();
      for (const m of collector.withEventIds(everything)) counts.set(m.headers["event-id"]!, (counts.get(m.headers["event-id"]!) ?? 0) + 1);
      expect(counts.size).toBe(everything.length);
      expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    } finally {
      await a.stop();
      await b?.stop();
    }
  });
});
