import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, Partitioners, type Consumer } from "kafkajs";
import { Client } from "pg";
import { settings, superuserUrlOf } from "./config";
import { progress } from "./progress";
import type { ModelCounts, SagaCounts } from "./saga-counts";
import { round, sleep, summarize, type Summary } from "./stats";

// The floor: what the same broker and the same Postgres cost for the smallest unit of work,
// measured with the same client libraries and settings the services use, before they start.

export interface KafkaFloor {
  /** Produce (acks=all, idempotent) → consumed by another consumer group member, one message at a time. */
  hopMs: Summary;
  /** Just the produce request until the broker acknowledged it. */
  produceAckMs: Summary;
  batch: { messages: number; batchSize: number; seconds: number; messagesPerSecond: number; produceOnlyPerSecond: number };
  messageBytes: number;
}

export interface PostgresFloor {
  /** One INSERT in its own (autocommit) transaction, one client. */
  commitMs: Summary;
  /** BEGIN; INSERT; COMMIT as three round trips, one client (how the services' transactions look). */
  beginInsertCommitMs: Summary;
  rate: { clients: number; seconds: number; commitsPerSecond: number; clientCpuCores: number };
  pgbench?: { clients: number; seconds: number; tps: number; latencyMs: number; oneClientTps: number; oneClientLatencyMs: number };
  settings: Record<string, string>;
}

export interface SagaFloor {
  happyLatencyMs: number;
  compensationLatencyMs: number;
  throughputPerSecond: number;
  formula: { latency: string; compensationLatency: string; throughput: string };
}

const brokers = () => settings.kafkaBrokers.split(",");
const HOP_TOPIC = "bench.floor.hop";
const BATCH_TOPIC = "bench.floor.batch";

/** A message the size of a real event envelope (OrderCreated with one item). */
function sampleEvent(): string {
  return JSON.stringify({
    id: randomUUID(),
    type: "OrderCreated",
    version: 1,
    occurredAt: new Date().toISOString(),
    orderId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    producer: "order",
    payload: {
      userId: randomUUID(),
      totalCents: 100,
      items: [{ sku: "bench", quantity: 1, unitPriceCents: 100 }],
      paymentToken: "tok_visa",
      shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export async function measureKafkaFloor(): Promise<KafkaFloor> {
  // Quiet: right after the broker starts, kafkajs logs (and retries) coordinator and metadata hiccups.
  const kafka = new Kafka({ clientId: "bench-floor", brokers: brokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: false,
    topics: [
      { topic: HOP_TOPIC, numPartitions: 1, replicationFactor: 1 },
      { topic: BATCH_TOPIC, numPartitions: 6, replicationFactor: 1 },
    ],
  });
  // kafkajs's own waitForLeaders can trip over "does not host this topic-partition" while the
  // new topics propagate; ask until every partition has a leader.
  for (let attempt = 0; ; attempt++) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [HOP_TOPIC, BATCH_TOPIC] });
      if (topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) break;
    } catch (error) {
      if (attempt > 100) throw error;
    }
    await sleep(100);
  }
  await admin.disconnect();
  // The services' producer settings (packages/messaging/src/kafka.ts) and consumer wait.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const consumers: Consumer[] = [];
  const newConsumer = async (groupId: string, topic: string) => {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    return consumer;
  };

  try {
    // 1. One message at a time.
    const hopConsumer = await newConsumer("bench-floor-hop", HOP_TOPIC);
    let waiter: { key: string; resolve: (t: number) => void } | undefined;
    await hopConsumer.run({
      eachMessage: async ({ message }) => {
        if (waiter && message.key?.toString() === waiter.key) {
          waiter.resolve(performance.now());
          waiter = undefined;
        }
      },
    });
    const value = sampleEvent();
    const hops: number[] = [];
    const acks: number[] = [];
    const warmup = 30;
    const total = settings.floor.hopMessages + warmup;
    for (let i = 0; i < total; i++) {
      const key = randomUUID();
      const received = new Promise<number>((resolve) => (waiter = { key, resolve }));
      const t0 = performance.now();
      await producer.send({ topic: HOP_TOPIC, acks: -1, messages: [{ key, value }] });
      const acked = performance.now();
      const t1 = await withTimeout(received, i < warmup ? 60_000 : 10_000, "a floor message to arrive");
      if (i >= warmup) {
        hops.push(t1 - t0);
        acks.push(acked - t0);
      }
      if (i % 50 === 0) progress(`Kafka hop: ${i}/${total}`);
      // The consumer is back to waiting in a fetch, as a service's consumer is between sagas.
      await sleep(5);
    }

    // 2. Batches, as the relay sends them, to another consumer group.
    const { batchMessages, batchSize } = settings.floor;
    const batchConsumer = await newConsumer("bench-floor-batch", BATCH_TOPIC);
    let consumed = 0;
    let target = Infinity;
    let reached: (() => void) | undefined;
    await batchConsumer.run({
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= target) reached?.();
      },
    });
    const makeBatch = () => Array.from({ length: batchSize }, () => ({ key: randomUUID(), value }));
    // Warm-up: the group joins and the first fetch arrives.
    target = batchSize;
    await withTimeout(
      new Promise<void>((resolve) => {
        reached = resolve;
        void producer.sendBatch({ acks: -1, topicMessages: [{ topic: BATCH_TOPIC, messages: makeBatch() }] });
      }),
      60_000,
      "the batch consumer to join",
    );
    consumed = 0;
    target = batchMessages;
    const allConsumed = new Promise<void>((resolve) => (reached = resolve));
    const t0 = performance.now();
    for (let sent = 0; sent < batchMessages; sent += batchSize) {
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic: BATCH_TOPIC, messages: makeBatch() }] });
      if ((sent / batchSize) % 20 === 0) progress(`Kafka batches: ${sent}/${batchMessages} produced, ${consumed} consumed`);
    }
    const produced = performance.now();
    await withTimeout(allConsumed, 120_000, "every batched message to be consumed");
    const seconds = (performance.now() - t0) / 1000;
    return {
      hopMs: summarize(hops),
      produceAckMs: summarize(acks),
      batch: {
        messages: batchMessages,
        batchSize,
        seconds: round(seconds, 3),
        messagesPerSecond: Math.round(batchMessages / seconds),
        produceOnlyPerSecond: Math.round(batchMessages / ((produced - t0) / 1000)),
      },
      messageBytes: Buffer.byteLength(value),
    };
  } finally {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await producer.disconnect();
  }
}

const FLOOR_DB = "bench_floor";

export async function measurePostgresFloor(): Promise<PostgresFloor> {
  const admin = new Client({ connectionString: superuserUrlOf("postgres") });
  admin.on("error", () => undefined);
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${FLOOR_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${FLOOR_DB}`);
  const url = superuserUrlOf(FLOOR_DB);
  const clients: Client[] = [];
  const connect = async () => {
    const c = new Client({ connectionString: url });
    c.on("error", () => undefined); // a lost connection fails the next query instead of the process
    await c.connect();
    clients.push(c);
    return c;
  };
  try {
    const c = await connect();
    // About the size of an outbox row.
    await c.query("CREATE TABLE floor_tx (id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
    const body = sampleEvent();
    const insert = (client: Client) =>
      client.query({ name: "floor-insert", text: "INSERT INTO floor_tx (id, body) VALUES ($1, $2)", values: [randomUUID(), body] });

    const n = settings.floor.pgTransactions;
    const commit: number[] = [];
    for (let i = 0; i < n + 100; i++) {
      const t0 = performance.now();
      await insert(c);
      if (i >= 100) commit.push(performance.now() - t0);
      if (i % 500 === 0) progress(`Postgres commits, 1 client: ${i}/${n + 100}`);
    }
    const bic: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await c.query("BEGIN");
      await insert(c);
      await c.query("COMMIT");
      bic.push(performance.now() - t0);
      if (i % 500 === 0) progress(`Postgres BEGIN/INSERT/COMMIT, 1 client: ${i}/${n}`);
    }

    const { pgClients, pgRateSeconds } = settings.floor;
    const rateClients = [c, ...(await Promise.all(Array.from({ length: pgClients - 1 }, connect)))];
    let commits = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + pgRateSeconds * 1000;
    await Promise.all(
      rateClients.map(async (client) => {
        while (performance.now() < end) {
          await insert(client);
          commits++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    progress(`Postgres rate: ${Math.round(commits / seconds)} commits/s`);

    const shown: Record<string, string> = {};
    for (const name of ["server_version", "synchronous_commit", "fsync", "shared_buffers", "max_connections"]) {
      shown[name] = (await c.query(`SHOW ${name}`)).rows[0][name];
    }
    return {
      commitMs: summarize(commit),
      beginInsertCommitMs: summarize(bic),
      rate: {
        clients: pgClients,
        seconds: round(seconds, 3),
        commitsPerSecond: Math.round(commits / seconds),
        clientCpuCores: round((cpu.user + cpu.system) / 1e6 / seconds, 2),
      },
      pgbench: runPgbench(url, pgClients, pgRateSeconds),
      settings: shown,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
    await admin.query(`DROP DATABASE IF EXISTS ${FLOOR_DB} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

/** The same INSERT from pgbench (C, no Node in the way), when it is installed: for reference only. */
function runPgbench(url: string, clients: number, seconds: number): PostgresFloor["pgbench"] {
  const dir = mkdtempSync(join(tmpdir(), "bench-pgbench-"));
  try {
    const script = join(dir, "insert.sql");
    writeFileSync(script, `INSERT INTO floor_tx (id, body) VALUES (gen_random_uuid(), '${sampleEvent()}');\n`);
    const once = (c: number) => {
      const out = spawnSync("pgbench", ["-n", "-M", "prepared", "-c", String(c), "-j", String(Math.min(c, 2)), "-T", String(seconds), "-f", script, url], {
        encoding: "utf8",
      });
      if (out.status !== 0) return undefined;
      const tps = Number(/tps = ([\d.]+)/.exec(out.stdout)?.[1]);
      const latency = Number(/latency average = ([\d.]+) ms/.exec(out.stdout)?.[1]);
      return Number.isFinite(tps) ? { tps: Math.round(tps), latencyMs: latency } : undefined;
    };
    progress("pgbench (reference), 1 client");
    const one = once(1);
    progress(`pgbench (reference), ${clients} clients`);
    const many = once(clients);
    if (!one || !many) return undefined;
    return { clients, seconds, tps: many.tps, latencyMs: many.latencyMs, oneClientTps: one.tps, oneClientLatencyMs: one.latencyMs };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTP round trip between two processes here: fetch (as the coordinator calls its participants) to a node:http server. */
export interface HttpFloor {
  roundTripMs: Summary;
}

export async function measureHttpFloor(): Promise<HttpFloor> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end('{"vote":"yes"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const body = JSON.stringify({ gid: `saga-shop:${randomUUID()}:user`, orderId: randomUUID(), step: { userId: randomUUID(), amountCents: 100 } });
  const times: number[] = [];
  try {
    const n = settings.floor.httpRoundTrips;
    for (let i = 0; i < n + 50; i++) {
      const t0 = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/2pc/prepare`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.text();
      if (i >= 50) times.push(performance.now() - t0);
      if (i % 100 === 0) progress(`HTTP round trips: ${i}/${n + 50}`);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return { roundTripMs: summarize(times) };
}

export interface Floors {
  kafka: KafkaFloor;
  postgres: PostgresFloor;
  http: HttpFloor;
}

/** latency ≈ hops × hop p50 + HTTP round trips × round trip p50 + critical transactions × commit p50; throughput ≈ commit rate ÷ transactions. */
export function modelFloor(counts: ModelCounts, floors: Floors): SagaFloor {
  const { happy, compensation } = counts;
  const hop = floors.kafka.hopMs.p50;
  const rtt = floors.http.roundTripMs.p50;
  const commit = floors.postgres.commitMs.p50;
  const latency = (c: SagaCounts) => round(c.kafkaHops * hop + (c.httpRoundTrips > 0 ? c.httpRoundTrips * rtt : 0) + c.criticalTransactions * commit);
  const formula = (c: SagaCounts) =>
    [c.kafkaHops > 0 ? `${c.kafkaHops} hops × ${hop} ms` : "", c.httpRoundTrips > 0 ? `${c.httpRoundTrips} HTTP round trips × ${rtt} ms` : "", `${c.criticalTransactions} commits × ${commit} ms`]
      .filter(Boolean)
      .join(" + ");
  return {
    happyLatencyMs: latency(happy),
    compensationLatencyMs: latency(compensation),
    throughputPerSecond: Math.round(floors.postgres.rate.commitsPerSecond / happy.totalTransactions),
    formula: {
      latency: formula(happy),
      compensationLatency: formula(compensation),
      throughput: `${floors.postgres.rate.commitsPerSecond} commits/s ÷ ${happy.totalTransactions} transactions`,
    },
  };
}
