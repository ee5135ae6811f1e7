// consumeMessage / startEventConsumer against a real Kafka broker and a real Postgres database.
// The consumer runs as a made-up service (see test/support.ts), so its consumer group, input
// topic and dead-letter topic (deadLetterTopicOf(service)) belong to this file alone. A made-up
// service may emit no event (toEnvelope checks who owns each type), so its handler only changes
// state; emitting through consumeMessage is tested as the real "payment" service, without Kafka.
import { randomUUID } from "node:crypto";
import { deadLetterTopicOf, type EventDraft, type SagaEvent } from "@saga-shop/contracts";
import type { Kafka, Message, Producer } from "kafkajs";
import type { Pool } from "pg";
import pino from "pino";
import {
  createTestDatabase,
  createTopics,
  creditReserved,
  deleteTopicsAndGroups,
  eventually,
  paymentCompletedDraft,
  pgTransactionRunner,
  silentLogger,
  sleep,
  startCollector,
  testKafka,
  testPool,
  testServiceName,
  type Collector,
  type PgTx,
  type TestDatabase,
} from "../test/support";
import { consumeBatch, consumeMessage } from "./consume";
import type { ConsumerDeps, RetryControl } from "./consumer-deps";
import type { RetryPolicy } from "./definitions";
import { startEventConsumer, type EventConsumer } from "./event-consumer";
import { UnprocessableEvent, type EventHandlers, type TransactionRunner } from "./idempotent-handler";
import { createProducer } from "./kafka";

jest.setTimeout(30_000);

const service = testServiceName("consumer");
const inputTopic = `${service}.input`;
const deadLetterTopic = deadLetterTopicOf(service);
const retry: RetryPolicy = { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 };

let db: TestDatabase;
let runner: TransactionRunner<PgTx>;
let kafka: Kafka;
let producer: Producer; // the test's: writes to the input topic
let serviceProducer: Producer; // the consumer's own: sends its dead letters
let deadLetters: Collector;
let consumer: EventConsumer | undefined;
const crashes: Error[] = [];

/** How the handler treats each order: fine by default, or failing in a chosen way. */
type Behaviour = "ok" | "throw" | "unprocessable";
const behaviour = new Map<string, Behaviour>();
const calls = new Map<string, number>();

async function addWidget(tx: PgTx, orderId: string) {
  // As a service's pool does (createPool): a row held longer than this fails the statement.
  await tx.$executeRaw`SELECT set_config('lock_timeout', '300ms', true)`;
  await tx.$executeRaw`
    INSERT INTO widgets (order_id, note) VALUES (${orderId}::uuid, 'credit reserved')
    ON CONFLICT (order_id) DO UPDATE SET hits = widgets.hits + 1`;
}

const handlers: EventHandlers<PgTx> = {
  CreditReserved: async (event, tx): Promise<EventDraft[]> => {
    calls.set(event.orderId, (calls.get(event.orderId) ?? 0) + 1);
    await addWidget(tx, event.orderId);
    const mode = behaviour.get(event.orderId) ?? "ok";
    if (mode === "throw") throw new Error(`handler keeps failing for ${event.orderId}`);
    if (mode === "unprocessable") throw new UnprocessableEvent(`unknown order ${event.orderId}`);
    return [];
  },
};

/** The payment service's reaction: the effect, and a PaymentCompleted to emit. */
const paymentHandlers: EventHandlers<PgTx> = {
  CreditReserved: async (event, tx): Promise<EventDraft[]> => {
    await addWidget(tx, event.orderId);
    return [paymentCompletedDraft(event.payload.amountCents)];
  },
};

async function databaseIsUp(pool: Pool): Promise<boolean> {
  try {
    await pool.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}

function deps(overrides: Partial<ConsumerDeps<PgTx>> = {}): ConsumerDeps<PgTx> {
  return {
    service,
    db: runner,
    handlers,
    producer: serviceProducer,
    logger: silentLogger,
    databaseIsUp: () => databaseIsUp(db.pool),
    retry,
    ...overrides,
  };
}

beforeAll(async () => {
  db = await createTestDatabase("consumer");
  runner = pgTransactionRunner(db.pool);
  kafka = testKafka("consumer-test");
  await createTopics(kafka, [
    { topic: inputTopic, numPartitions: 3 },
    { topic: deadLetterTopic, numPartitions: 1 },
  ]);
  producer = createProducer(kafka);
  serviceProducer = createProducer(kafka);
  await Promise.all([producer.connect(), serviceProducer.connect()]);
  [deadLetters, consumer] = await Promise.all([
    startCollector(kafka, [deadLetterTopic]),
    startEventConsumer(kafka, [inputTopic], deps(), (error) => crashes.push(error)),
  ]);
});

afterAll(async () => {
  await consumer?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await serviceProducer?.disconnect();
  if (kafka) {
    const groups = [`${service}-service`, ...(deadLetters ? [deadLetters.groupId] : [])];
    await deleteTopicsAndGroups(kafka, [inputTopic, deadLetterTopic], groups);
  }
  await db?.drop();
});

afterEach(() => {
  expect(crashes).toEqual([]);
});

/** Produces to the input topic; returns where the message landed. */
async function produce(message: Message): Promise<{ partition: number; offset: string }> {
  const [meta] = await producer.send({ topic: inputTopic, acks: -1, messages: [message] });
  return { partition: meta!.partition, offset: meta!.baseOffset! };
}

/** An event as the relay would publish it. Pinned to a partition when a test needs an order. */
const asMessage = (event: SagaEvent, partition?: number) => ({
  key: event.orderId,
  value: JSON.stringify(event),
  headers: { "event-id": event.id, "event-type": event.type, "correlation-id": event.correlationId },
  partition,
});
/** The same, as consumeMessage receives it from Kafka. */
const received = (event: SagaEvent) => {
  const { key, value, headers } = asMessage(event);
  return { key: Buffer.from(key), value: Buffer.from(value), headers };
};

async function widget(orderId: string): Promise<{ hits: number } | undefined> {
  const { rows } = await db.pool.query<{ hits: number }>("SELECT hits FROM widgets WHERE order_id = $1", [orderId]);
  return rows[0];
}
const waitForEffect = (orderId: string) => eventually(() => widget(orderId), `the effect for order ${orderId}`);

async function processedRows(eventId: string): Promise<number> {
  const { rows } = await db.pool.query("SELECT 1 FROM processed_events WHERE event_id = $1", [eventId]);
  return rows.length;
}

const deadLetterWithKey = (key: string) =>
  deadLetters.waitFor((m) => m.key?.toString() === key, `a dead letter with key ${key}`);

describe("startEventConsumer", () => {
  test("a valid event is handled: its effect and its processed_events row are committed", async () => {
    const event = creditReserved();
    await produce(asMessage(event));

    await expect(waitForEffect(event.orderId)).resolves.toEqual({ hits: 1 });
    expect(await processedRows(event.id)).toBe(1);
    expect(calls.get(event.orderId)).toBe(1);
  });

  test("a redelivered message (same event twice) has its effect once", async () => {
    const event = creditReserved();
    const after = creditReserved(); // same partition, behind both copies
    await produce(asMessage(event, 1));
    await produce(asMessage(event, 1));
    await produce(asMessage(after, 1));

    await waitForEffect(after.orderId);
    expect(await widget(event.orderId)).toEqual({ hits: 1 });
    expect(calls.get(event.orderId)).toBe(1);
    expect(await processedRows(event.id)).toBe(1);
  });

  test("non-JSON bytes are dead-lettered with the reason, source and original key, value and headers; later events still flow", async () => {
    const key = `poison-${randomUUID()}`;
    const value = Buffer.from([0x7b, 0x22, 0xff, 0x00, 0x6e, 0x6f, 0x74, 0x20, 0x6a, 0x73, 0x6f, 0x6e]); // '{"' + junk
    const at = await produce({ key, value, headers: { "x-trace": "trace-1" }, partition: 2 });
    const after = creditReserved();
    await produce(asMessage(after, 2));

    await waitForEffect(after.orderId); // the poison message did not block its partition
    const letter = await deadLetterWithKey(key);
    expect(letter.value).toEqual(value);
    expect(letter.headers).toMatchObject({
      "x-trace": "trace-1",
      "dead-letter-source": `${inputTopic}/2@${at.offset}`,
      "dead-letter-consumer": service,
    });
    expect(letter.headers["dead-letter-reason"]).toMatch(/JSON/);
    expect(Number.isNaN(Date.parse(letter.headers["dead-letter-at"]!))).toBe(false);
  });

  test("valid JSON of an unknown event type is dead-lettered, naming the type", async () => {
    const unknown = { ...creditReserved(), type: "InvoiceIssued" };
    const at = await produce({ key: unknown.orderId, value: JSON.stringify(unknown), partition: 0 });
    const after = creditReserved();
    await produce(asMessage(after, 0));

    await waitForEffect(after.orderId);
    const letter = await deadLetterWithKey(unknown.orderId);
    expect(JSON.parse(letter.value!.toString())).toEqual(unknown);
    expect(letter.headers["dead-letter-reason"]).toMatch(/unknown event type "InvoiceIssued"/);
    expect(letter.headers["dead-letter-source"]).toBe(`${inputTopic}/0@${at.offset}`);
    expect(await processedRows(unknown.id)).toBe(0);
  });

  test("a handler that keeps failing while the database is up is dead-lettered after the retry attempts, with nothing committed", async () => {
    const event = creditReserved();
    behaviour.set(event.orderId, "throw");
    await produce(asMessage(event, 1));
    const after = creditReserved();
    await produce(asMessage(after, 1));

    const letter = await deadLetterWithKey(event.orderId);
    await waitForEffect(after.orderId);
    // One try inside the batch's transaction (rolled back), then the per-event retries.
    expect(calls.get(event.orderId)).toBe(retry.attempts + 1);
    expect(letter.headers).toMatchObject({
      "dead-letter-attempts": String(retry.attempts),
      "dead-letter-reason": `handler keeps failing for ${event.orderId}`,
      "event-id": event.id,
      "event-type": "CreditReserved",
    });
    expect(JSON.parse(letter.value!.toString())).toEqual(event);
    expect(await widget(event.orderId)).toBeUndefined();
    expect(await processedRows(event.id)).toBe(0);
  });

  test("a handler throwing UnprocessableEvent is dead-lettered at once", async () => {
    const event = creditReserved();
    behaviour.set(event.orderId, "unprocessable");
    await produce(asMessage(event));

    const letter = await deadLetterWithKey(event.orderId);
    // One try inside the batch's transaction, one alone: an unprocessable event is not retried.
    expect(calls.get(event.orderId)).toBe(2);
    expect(letter.headers["dead-letter-attempts"]).toBe("1");
    expect(letter.headers["dead-letter-reason"]).toBe(`unknown order ${event.orderId}`);
    expect(await widget(event.orderId)).toBeUndefined();
    expect(await processedRows(event.id)).toBe(0);
  });

  test("offsets are committed as messages are handled: a restarted consumer resumes after them, and what waited in its partitions shares one transaction", async () => {
    await deadLetters.caughtUp();
    const lettersBefore = deadLetters.messages.length;
    const callsBefore = new Map(calls);

    await consumer!.stop();
    consumer = undefined;
    // One new event per partition, produced while the service is down: in each partition it
    // sits behind everything consumed before, so its effect means that partition is done.
    const fresh = [0, 1, 2].map(() => creditReserved());
    await Promise.all(fresh.map((event, partition) => produce(asMessage(event, partition))));
    consumer = await startEventConsumer(kafka, [inputTopic], deps(), (error) => crashes.push(error));

    for (const event of fresh) await expect(waitForEffect(event.orderId)).resolves.toEqual({ hits: 1 });
    // One fetch brought all three partitions' batches: the group commit handled them together
    // (xmin names the transaction that inserted a row).
    const { rows } = await db.pool.query("SELECT DISTINCT xmin::text FROM processed_events WHERE event_id = ANY($1::uuid[])", [
      fresh.map((e) => e.id),
    ]);
    expect(rows).toHaveLength(1);
    await deadLetters.caughtUp();
    // Nothing consumed before the restart was handled or dead-lettered again.
    expect(deadLetters.messages.length).toBe(lettersBefore);
    const freshOrders = new Set(fresh.map((e) => e.orderId));
    expect(new Map([...calls].filter(([orderId]) => !freshOrders.has(orderId)))).toEqual(callsBefore);
  });
});

describe("startEventConsumer and a row locked by another transaction (a two-phase commit in doubt)", () => {
  test("the event waits, not dead-lettered, and the ones behind it on its partition with it (poison too: dead-lettered once, in its turn); other partitions go on; all are handled once the lock is gone", async () => {
    const [locked, behind, elsewhere] = [creditReserved(), creditReserved(), creditReserved()];
    const poisonKey = `poison-behind-${randomUUID()}`;
    await db.pool.query("INSERT INTO widgets (order_id, note) VALUES ($1, 'held')", [locked.orderId]);
    const holder = await db.pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT * FROM widgets WHERE order_id = $1 FOR UPDATE", [locked.orderId]);
      await produce(asMessage(locked, 0));
      await produce({ key: poisonKey, value: Buffer.from("not json"), partition: 0 });
      await produce(asMessage(behind, 0));
      await produce(asMessage(elsewhere, 1));
      await waitForEffect(elsewhere.orderId);
      await sleep(1500); // several attempts' worth of lock timeouts and pauses
      expect(await widget(behind.orderId)).toBeUndefined();
      expect(await processedRows(locked.id)).toBe(0);
      await deadLetters.caughtUp();
      expect(deadLetters.messages.filter((m) => m.key?.toString() === poisonKey)).toEqual([]);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    await waitForEffect(behind.orderId);
    expect(await widget(locked.orderId)).toEqual({ hits: 2 });
    expect(await processedRows(locked.id)).toBe(1);
    await deadLetters.caughtUp();
    expect(deadLetters.messages.filter((m) => m.key?.toString() === locked.orderId)).toEqual([]);
    expect(deadLetters.messages.filter((m) => m.key?.toString() === poisonKey)).toHaveLength(1);
  });
});

describe("startEventConsumer under a slow batch", () => {
  test("a batch that takes longer than the session timeout keeps the consumer in its group: not redelivered", async () => {
    await consumer?.stop();
    consumer = undefined;
    const slow = creditReserved();
    const slowHandlers: EventHandlers<PgTx> = {
      CreditReserved: async (event, tx) => {
        if (event.id === slow.id) await sleep(8_000); // the session timeout below is 6 s
        await addWidget(tx, event.orderId);
        return [];
      },
    };
    const logged: { msg: string }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    consumer = await startEventConsumer(kafka, [inputTopic], deps({ handlers: slowHandlers, logger }), (error) => crashes.push(error), {
      sessionTimeoutMs: 6_000,
    });
    try {
      await produce(asMessage(slow, 0));
      await eventually(() => widget(slow.orderId), "the slow event's effect", 20_000);
      // One more event behind it in the same partition: once it is handled, so was any redelivery.
      const next = creditReserved();
      await produce(asMessage(next, 0));
      await eventually(() => widget(next.orderId), "the next event's effect", 20_000);
      expect(await widget(slow.orderId)).toEqual({ hits: 1 });
      // A member dropped by the broker would have had the slow batch redelivered (a duplicate).
      expect(logged.filter((entry) => /already processed/.test(entry.msg))).toEqual([]);
    } finally {
      await consumer.stop();
      consumer = await startEventConsumer(kafka, [inputTopic], deps(), (error) => crashes.push(error));
    }
  }, 40_000);
});

describe("consumeMessage while the database is down", () => {
  const source = { topic: inputTopic, partition: 0, offset: "42" };

  /**
   * A TransactionRunner and databaseIsUp that really fail (a pool on a closed port) until
   * `upAfterHeartbeats` retries have gone by, then use the real database.
   */
  function outage(upAfterHeartbeats: number, overrides: Partial<ConsumerDeps<PgTx>> = {}) {
    const downPool = testPool("postgresql://postgres@127.0.0.1:1/nothing", 1);
    const downRunner = pgTransactionRunner(downPool);
    let heartbeats = 0;
    const isUp = () => heartbeats >= upAfterHeartbeats;
    const control: RetryControl = {
      heartbeat: async () => void heartbeats++,
      shouldStop: () => false,
    };
    // Dead letters are recorded, not sent: these tests expect none (sending is tested above).
    const sent: unknown[] = [];
    const deadLetterSpy = {
      send: async (record: unknown) => {
        sent.push(record);
        return [];
      },
    } as unknown as Producer;
    const consumerDeps = deps({
      db: { $transaction: (fn) => (isUp() ? runner : downRunner).$transaction(fn) },
      databaseIsUp: () => databaseIsUp(isUp() ? db.pool : downPool),
      producer: deadLetterSpy,
      ...overrides,
    });
    return { consumerDeps, control, sent, heartbeats: () => heartbeats, end: () => downPool.end() };
  }

  test("keeps retrying past the retry attempts without dead-lettering; handles the event once the database is back", async () => {
    const event = creditReserved();
    // As the payment service: five failed attempts, all while the database is down (retry.attempts is 3).
    const o = outage(5, { service: "payment", handlers: paymentHandlers });
    try {
      const outcome = await consumeMessage(o.consumerDeps, received(event), source, o.control);

      expect(outcome).toBe("processed");
      expect(o.heartbeats()).toBe(5);
      expect(o.sent).toEqual([]); // no dead letter
      expect(await widget(event.orderId)).toEqual({ hits: 1 });
      expect(await processedRows(event.id)).toBe(1);
      const { rows } = await db.pool.query("SELECT topic, key, event FROM outbox WHERE event->>'causationId' = $1", [
        event.id,
      ]);
      expect(rows).toEqual([
        {
          topic: "payment.events",
          key: event.orderId,
          event: expect.objectContaining({
            type: "PaymentCompleted",
            producer: "payment",
            orderId: event.orderId,
            correlationId: event.correlationId,
            causationId: event.id,
          }),
        },
      ]);
    } finally {
      await o.end();
    }
  });

  // Only failures while the database is up count against the event.
  test("after an outage, one transient failure with the database up is retried, not dead-lettered", async () => {
    const event = creditReserved();
    const o = outage(5);
    let handlerCalls = 0;
    const flaky: EventHandlers<PgTx> = {
      CreditReserved: async (e, tx) => {
        // The first call that reaches the handler is the first attempt with the database up.
        if (++handlerCalls === 1) throw new Error("transient: connection reset by peer");
        return handlers.CreditReserved!(e, tx);
      },
    };
    try {
      const outcome = await consumeMessage({ ...o.consumerDeps, handlers: flaky }, received(event), source, o.control);

      expect(outcome).toBe("processed");
      expect(o.sent).toEqual([]);
      expect(await widget(event.orderId)).toEqual({ hits: 1 });
    } finally {
      await o.end();
    }
  });

  test("a consumer asked to stop during an outage gives the message up uncommitted (no dead letter), for redelivery", async () => {
    const event = creditReserved();
    const o = outage(Number.POSITIVE_INFINITY); // the database never comes back
    let stopping = false;
    const control: RetryControl = {
      heartbeat: async () => {
        await o.control.heartbeat();
        if (o.heartbeats() === 2) stopping = true; // e.g. a rebalance took the partition away
      },
      shouldStop: () => stopping,
    };
    try {
      await expect(consumeMessage(o.consumerDeps, received(event), source, control)).rejects.toThrow(/ECONNREFUSED|connect/);
      expect(o.heartbeats()).toBe(2);
      expect(o.sent).toEqual([]);
      expect(await processedRows(event.id)).toBe(0);
    } finally {
      await o.end();
    }
  });

  test("an event type this service has no handler for is ignored, not recorded and not dead-lettered", async () => {
    const o = outage(0);
    try {
      const other = { ...creditReserved(), type: "CreditRejected", payload: { userId: randomUUID(), reason: "no credit" } };
      const outcome = await consumeMessage(o.consumerDeps, { key: null, value: Buffer.from(JSON.stringify(other)), headers: {} }, source, o.control);
      expect(outcome).toBe("ignored");
      expect(o.sent).toEqual([]);
      expect(await processedRows(other.id)).toBe(0);
    } finally {
      await o.end();
    }
  });
});

describe("consumeBatch: many events, one transaction", () => {
  const control: RetryControl = { heartbeat: async () => {}, shouldStop: () => false };
  const at = (offset: number) => ({ topic: inputTopic, partition: 0, offset: String(offset) });

  test("good events of a batch commit together, each recorded once; a redelivered batch changes nothing", async () => {
    const events = [creditReserved(), creditReserved(), creditReserved()];
    const batch = events.map((event, i) => ({ message: received(event), source: at(i) }));
    expect(await consumeBatch(deps(), batch, control)).toEqual(["processed", "processed", "processed"]);
    for (const event of events) expect(await widget(event.orderId)).toEqual({ hits: 1 });
    expect(await consumeBatch(deps(), batch, control)).toEqual(["duplicate", "duplicate", "duplicate"]);
    for (const event of events) expect(await widget(event.orderId)).toEqual({ hits: 1 });
  });

  test("the same event twice in one batch (a relay re-published it) has its effect once", async () => {
    const event = creditReserved();
    const batch = [0, 1].map((i) => ({ message: received(event), source: at(20 + i) }));
    expect(await consumeBatch(deps(), batch, control)).toEqual(["processed", "duplicate"]);
    expect(await widget(event.orderId)).toEqual({ hits: 1 });
  });

  test("one bad event in a batch: the others still commit, it alone is dead-lettered, poison bytes too", async () => {
    const [first, bad, last] = [creditReserved(), creditReserved(), creditReserved()];
    behaviour.set(bad.orderId, "unprocessable");
    const poisonKey = randomUUID();
    const batch = [
      { message: received(first), source: at(10) },
      { message: { key: Buffer.from(poisonKey), value: Buffer.from("{oops"), headers: {} }, source: at(11) },
      { message: received(bad), source: at(12) },
      { message: received(last), source: at(13) },
    ];
    expect(await consumeBatch(deps(), batch, control)).toEqual(["processed", "dead-lettered", "dead-lettered", "processed"]);
    expect(await widget(first.orderId)).toEqual({ hits: 1 });
    expect(await widget(last.orderId)).toEqual({ hits: 1 });
    expect(await widget(bad.orderId)).toBeUndefined();
    expect(await processedRows(bad.id)).toBe(0);
    expect((await deadLetterWithKey(bad.orderId)).headers["dead-letter-reason"]).toBe(`unknown order ${bad.orderId}`);
    expect((await deadLetterWithKey(poisonKey)).headers["dead-letter-reason"]).toMatch(/not valid JSON/);
  });
});
