import type { Producer } from "kafkajs";
import { Client } from "pg";
import type { Logger } from "pino";
import { defaults, headers } from "./definitions";

export interface RelayOptions {
  /** For the relay's own connection, outside any pool: it listens, holds the relay lock, reads and marks rows. */
  connectionString: string;
  producer: Producer;
  logger: Logger;
  /** This instance's name in the relay's log lines ("payment-2 took over the outbox relay"). */
  instance?: string;
  /** See defaults.relay for these three. */
  batchSize?: number;
  pollIntervalMs?: number;
  minDrainIntervalMs?: number;
}

export interface OutboxRelay {
  /**
   * Publishes everything unsent now. Resolves when the outbox is empty, another relay holds it,
   * or publishing failed (logged; the rows stay unsent for the next wake-up or poll).
   */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  event: { id: string; type: string; correlationId: string };
}

/**
 * Publishes outbox rows to Kafka in `seq` order and marks them published.
 *
 * At-least-once: a crash after Kafka acknowledged but before the UPDATE publishes those rows
 * again on restart, and idempotent consumers absorb the duplicate. One relay per database
 * publishes: the one whose connection holds a session advisory lock. That keeps each order's
 * events in order and stops two instances publishing the same rows; the others stand by and
 * take over when the holder's connection ends (a crash ends it too). Holding the lock for the
 * connection's life, not per batch, makes a batch two statements: read the rows, mark them.
 */
export function startOutboxRelay(options: RelayOptions): OutboxRelay {
  const { producer, logger } = options;
  const batchSize = options.batchSize ?? defaults.relay.batchSize;
  const minDrainIntervalMs = options.minDrainIntervalMs ?? defaults.relay.minDrainIntervalMs;
  let lastDrainStart = 0;
  const log = logger.child({ component: "outbox-relay" });
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  async function publishBatch(): Promise<number> {
    const client = await connection.asLockHolder();
    if (!client) return 0;
    const { rows } = await client.query<OutboxRow>(
      "SELECT seq, topic, key, event FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1",
      [batchSize],
    );
    if (rows.length === 0) return 0;
    await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(rows) });
    await client.query("UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])", [rows.map((r) => r.seq)]);
    log.debug({ count: rows.length }, "outbox rows published");
    return rows.length;
  }

  // One drain at a time; a wake-up during a drain makes it go round once more. A wake-up soon
  // after the last drain began waits out the rest of minDrainIntervalMs: at light load that never
  // happens (no delay), under load each drain publishes everything a few milliseconds of commits
  // wrote, in one request, instead of one drain per commit.
  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          const wait = lastDrainStart + minDrainIntervalMs - Date.now();
          if (wait > 0) await sleep(wait);
          again = false; // what woke us meanwhile is committed, so this drain reads it
          lastDrainStart = Date.now();
          while (!stopped && (await publishBatch()) === batchSize);
        } while (again && !stopped);
      } catch (error) {
        log.warn({ err: error }, "outbox publish failed; rows stay unsent and are retried");
      } finally {
        running = null;
      }
    })();
    return running;
  }

  const connection = relayConnection(options.connectionString, log, options.instance ?? "this instance", () => void drain());
  const poll = setInterval(() => void drain(), options.pollIntervalMs ?? defaults.relay.pollIntervalMs);

  return {
    drain,
    async stop() {
      stopped = true;
      clearInterval(poll);
      await running;
      await connection.close();
    },
  };
}

function toTopicMessages(rows: OutboxRow[]) {
  const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push({
      key: row.key,
      value: JSON.stringify(row.event),
      headers: {
        [headers.eventId]: row.event.id,
        [headers.eventType]: row.event.type,
        [headers.correlationId]: row.event.correlationId,
        [headers.contentType]: "application/json",
      },
    });
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * The relay's connection: it LISTENs for commits and may hold the relay lock. It reconnects
 * after a database restart; a new connection holds no lock until it takes it again.
 */
function relayConnection(connectionString: string, log: Logger, name: string, onNotify: () => void) {
  let client: Client | null = null;
  let holdsLock = false;
  // What this relay last was, so that the log says each change once, in words: who publishes,
  // and a takeover when a relay that stood by gets the lock (the holder's session ended).
  let role: "publishes" | "stands by" | undefined;
  const become = (next: "publishes" | "stands by") => {
    if (next === role) return;
    if (next === "publishes" && role === "stands by") log.info(`${name} took over the outbox relay: the instance that published it is gone (its session ended)`);
    else if (next === "publishes") log.info(`${name} publishes the outbox (it holds the relay lock)`);
    else log.info(`${name} stands by: another instance publishes the outbox; it takes over if that one's session ends`);
    role = next;
  };
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const reconnectSoon = () => {
    client = null;
    holdsLock = false;
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, 1000);
  };

  const connect = async () => {
    // Named, so pg_stat_activity shows which session is the relay.
    const c = new Client({ connectionString, application_name: "outbox-relay" });
    c.on("notification", onNotify);
    c.on("error", (error) => log.warn({ err: error }, "outbox relay connection lost; reconnecting"));
    c.on("end", reconnectSoon);
    try {
      await c.connect();
      await c.query("LISTEN outbox");
      if (closed) {
        c.removeAllListeners("end");
        await c.end();
        return;
      }
      client = c;
      holdsLock = false;
      onNotify(); // rows committed while nobody was listening
    } catch (error) {
      log.warn({ err: error }, "outbox relay connection failed; retrying");
      c.removeAllListeners("end");
      await c.end().catch(() => undefined);
      reconnectSoon();
    }
  };
  void connect();

  return {
    /** The connection if it holds the relay lock, taking the lock if it is free; null while another relay has it. */
    async asLockHolder(): Promise<Client | null> {
      const c = client;
      if (!c || holdsLock) return c;
      const { rows } = await c.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1) AS got", [defaults.relay.lockKey]);
      if (c !== client) return null; // it reconnected meanwhile: the lock went with the old connection
      holdsLock = rows[0]!.got;
      become(holdsLock ? "publishes" : "stands by");
      return holdsLock ? c : null;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const c = client;
      c?.removeAllListeners("end");
      await c?.end().catch(() => undefined); // ending the session releases the lock
    },
  };
}
