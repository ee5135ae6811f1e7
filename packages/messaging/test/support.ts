// Shared helpers for the messaging package's integration tests (real Postgres, real Kafka).
// Lives outside src/ so it is never compiled into dist.
//
// Isolation: every test file gets its own throwaway database and its own Kafka topics, named
// after a made-up service ("msgtest-<label>-<unique>"). The relay publishes to topicOf(producer)
// and the consumer dead-letters to deadLetterTopicOf(service), so a made-up service name keeps
// these tests off the saga's real topics and consumer groups (which the end-to-end suite reads
// from the beginning).
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EventDraft, EventOf, SagaEvent, ServiceName } from "@saga-shop/contracts";
import type { Consumer, IHeaders, Kafka } from "kafkajs";
import { Pool } from "pg";
import pino, { type Logger } from "pino";
import { throwawayDatabases } from "../../../test-support/postgres";
import { toEnvelope } from "../src/envelope";
import type { TransactionRunner } from "../src/idempotent-handler";
import { createKafka } from "../src/kafka";
import type { SqlTransaction } from "../src/outbox";

export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(",");

export const silentLogger: Logger = pino({ level: "silent" });

/** A logger that keeps entries (warn and above by default) in memory, to see what the code under test reported. */
export function capturingLogger(level = "warn"): { logger: Logger; entries: Array<Record<string, unknown> & { msg: string }> } {
  const entries: Array<Record<string, unknown> & { msg: string }> = [];
  const logger = pino({ level }, { write: (line: string) => void entries.push(JSON.parse(line)) });
  return { logger, entries };
}

const unique = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** A service name of its own for one test file: its topics and consumer group are private. */
export const testServiceName = (label: string): ServiceName => `msgtest-${label}-${unique}` as ServiceName;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Postgres

// The package's own migrations, in order, as a service applies them.
const migrations = join(__dirname, "..", "migrations");
const MESSAGING_TABLES = readdirSync(migrations)
  .sort()
  .map((name) => readFileSync(join(migrations, name, "migration.sql"), "utf8"))
  .join("\n");
/** The tests' own domain table: a handler's "effect". `hits` counts how often the effect happened. */
const DOMAIN_TABLES = `CREATE TABLE widgets (order_id uuid PRIMARY KEY, note text, hits int NOT NULL DEFAULT 1);`;

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A throwaway database with the messaging tables and `widgets`; drop() removes it (WITH FORCE). */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const databases = throwawayDatabases(`messaging_${label}`);
  const { name, url } = await databases.create(`${MESSAGING_TABLES}\n${DOMAIN_TABLES}`);
  const pool = testPool(url);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await databases.dropAll();
    },
  };
}

/**
 * A pool for a test database. pool.end() resolves before its connections have closed, and
 * DROP DATABASE ... WITH (FORCE) then terminates them: the pool reports that as an 'error'
 * event, which must not crash the test run.
 */
export function testPool(url: string, max = 10): Pool {
  const pool = new Pool({ connectionString: url, max });
  pool.on("error", () => undefined);
  return pool;
}

/** The transaction object the tests' runner hands out: what the messaging code needs, plus a query helper. */
export interface PgTx extends SqlTransaction {
  $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
  $queryRaw<T = Record<string, unknown>[]>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T>;
}

/** `a ${x} b ${y}` → "a $1 b $2", like Prisma's tagged templates. */
export function toParameterised(strings: TemplateStringsArray): string {
  return strings.reduce((text, part, i) => `${text}$${i}${part}`);
}

/** A Prisma-free TransactionRunner: BEGIN/COMMIT/ROLLBACK on one pooled client. */
export function pgTransactionRunner(pool: Pool): TransactionRunner<PgTx> {
  return {
    async $transaction<R>(fn: (tx: PgTx) => Promise<R>): Promise<R> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const tx: PgTx = {
          async $executeRaw(strings, ...values) {
            const result = await client.query(toParameterised(strings), values);
            return result.rowCount ?? 0;
          },
          async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]) {
            const result = await client.query(toParameterised(strings), values);
            return result.rows as T;
          },
        };
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Events

const ADDRESS = { line1: "1 Test Street", city: "Testville", postalCode: "12345", country: "DE" };

/**
 * An envelope built by hand, for tests of the outbox and relay, which never look inside it.
 * toEnvelope would refuse it: these tests give events a made-up producer (a made-up service
 * name), so the relay publishes them to a topic of the test's own (topicOf(producer)).
 */
export function rawEvent(
  draft: EventDraft,
  producer: ServiceName,
  context: { orderId?: string; correlationId?: string; causationId?: string | null } = {},
): SagaEvent {
  return {
    id: randomUUID(),
    type: draft.type,
    version: 1,
    occurredAt: new Date().toISOString(),
    orderId: context.orderId ?? randomUUID(),
    correlationId: context.correlationId ?? randomUUID(),
    causationId: context.causationId ?? null,
    producer,
    payload: draft.payload,
  } as SagaEvent;
}

/** A valid CreditReserved (built by the code under test's toEnvelope), as the payment service consumes it. */
export function creditReserved(orderId = randomUUID(), amountCents = 4200): EventOf<"CreditReserved"> {
  return toEnvelope(
    {
      type: "CreditReserved",
      payload: { userId: randomUUID(), amountCents, paymentToken: "tok_test", shippingAddress: ADDRESS },
    },
    "user",
    { orderId, correlationId: randomUUID(), causationId: null },
  ) as EventOf<"CreditReserved">;
}

/** A valid PaymentCompleted draft (what a payment handler returns). */
export function paymentCompletedDraft(amountCents = 4200): EventDraft {
  return { type: "PaymentCompleted", payload: { paymentId: randomUUID(), amountCents, shippingAddress: ADDRESS } };
}

// ---------------------------------------------------------------------------------------------
// Kafka

export const testKafka = (clientId: string): Kafka =>
  createKafka({ clientId: `${clientId}-${unique}`, brokers: KAFKA_BROKERS, logger: silentLogger });

export async function createTopics(kafka: Kafka, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({ ...t, replicationFactor: 1 })),
    });
    // A broker that has just started can answer the creation before its metadata serves the new
    // partitions ("This server does not host this topic-partition" to a consumer subscribing at once).
    await eventually(async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      return metadata.topics.every((t) => t.partitions.length === topics.find((w) => w.topic === t.name)!.numPartitions && t.partitions.every((p) => p.leader >= 0));
    }, "the new topics' partitions to be served");
  } finally {
    await admin.disconnect();
  }
}

/** Best-effort cleanup of this file's topics and consumer groups. */
export async function deleteTopicsAndGroups(kafka: Kafka, topics: string[], groups: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    if (topics.length) await admin.deleteTopics({ topics, timeout: 5000 }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

export interface Collected {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface Collector {
  readonly groupId: string;
  /** Everything read so far, in the order read (offset order within a partition). */
  readonly messages: Collected[];
  /** Messages whose `event-id` header is one of `ids`. */
  withEventIds(ids: readonly string[]): Collected[];
  /** Waits until every id has been read at least once; resolves with the first copy of each, in `ids` order. */
  waitForEventIds(ids: readonly string[], timeoutMs?: number): Promise<Collected[]>;
  waitFor(predicate: (m: Collected) => boolean, what: string, timeoutMs?: number): Promise<Collected>;
  /** Waits until the collector has read up to the current end of each topic (everything written so far). */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(",") : value.toString();
  }
  return out;
}

/** Reads `topics` from the beginning with a consumer group of its own and keeps every message. */
export async function startCollector(kafka: Kafka, topics: string[]): Promise<Collector> {
  const groupId = `msgtest-collector-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
  const messages: Collected[] = [];
  const positions = new Map<string, bigint>(); // "topic/partition" → next offset to read
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      messages.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: headersOf(message.headers),
      });
      positions.set(`${topic}/${partition}`, BigInt(message.offset) + 1n);
    },
  });
  await joined;
  const admin = kafka.admin();
  await admin.connect();

  const withEventIds = (ids: readonly string[]) => {
    const wanted = new Set(ids);
    return messages.filter((m) => wanted.has(m.headers["event-id"] ?? ""));
  };

  return {
    groupId,
    messages,
    withEventIds,
    async waitForEventIds(ids, timeoutMs = 10_000) {
      return eventually(
        () => {
          const firstById = new Map<string, Collected>();
          for (const m of withEventIds(ids)) if (!firstById.has(m.headers["event-id"]!)) firstById.set(m.headers["event-id"]!, m);
          return firstById.size === new Set(ids).size ? ids.map((id) => firstById.get(id)!) : undefined;
        },
        `${ids.length} event id(s) on Kafka`,
        timeoutMs,
      );
    },
    waitFor(predicate, what, timeoutMs = 10_000) {
      return eventually(() => messages.find(predicate), what, timeoutMs);
    },
    async caughtUp(timeoutMs = 10_000) {
      await eventually(
        async () => {
          for (const topic of topics) {
            for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
              if ((positions.get(`${topic}/${partition}`) ?? 0n) < BigInt(high)) return false;
            }
          }
          return true;
        },
        `collector to catch up with ${topics.join(", ")}`,
        timeoutMs,
        100,
      );
    },
    async stop() {
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
