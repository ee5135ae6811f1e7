import type { Producer } from "kafkajs";
import { Client, type Pool } from "pg";
import type { Logger } from "pino";

export interface RelayOptions {
  pool: Pool;
  /** For the LISTEN connection, which must stay outside the pool. */
  connectionString: string;
  producer: Producer;
  logger: Logger;
  batchSize?: number;
  /** Safety net only: commits wake the relay through NOTIFY. */
  pollIntervalMs?: number;
}

export interface OutboxRelay {
  /**
   * Publishes everything unsent now. Resolves when the outbox is empty, another relay holds it,
   * or publishing failed (logged; the rows stay unsent for the next wake-up or poll).
   */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

// Any constant will do; every relay of one database takes the same lock.
const RELAY_LOCK = 4_242_001;

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  event: { id: string; type: string; correlationId: string };
}

/**
 * Publishes outbox rows to Kafka in `seq` order and marks them published.
 *
 * At-least-once: a crash after Kafka acknowledged but before the UPDATE committed publishes
 * those rows again on restart, and idempotent consumers absorb the duplicate. Only one relay
 * per database publishes at a time (a transaction-scoped advisory lock), which keeps each
 * order's events in order and stops two instances publishing the same rows.
 */
export function startOutboxRelay(options: RelayOptions): OutboxRelay {
  const { pool, producer, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const log = logger.child({ component: "outbox-relay" });
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  async function publishBatch(): Promise<number> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const { rows: lock } = await client.query("SELECT pg_try_advisory_xact_lock($1) AS got", [RELAY_LOCK]);
      if (!lock[0].got) {
        await client.query("ROLLBACK");
        return 0;
      }
      const { rows } = await client.query<OutboxRow>(
        "SELECT seq, topic, key, event FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1",
        [batchSize],
      );
      if (rows.length > 0) {
        await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(rows) });
        await client.query("UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])", [
          rows.map((r) => r.seq),
        ]);
      }
      await client.query("COMMIT");
      if (rows.length > 0) log.debug({ count: rows.length }, "outbox rows published");
      return rows.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  // One drain at a time; a wake-up during a drain makes it go round once more.
  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
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

  const listener = listenForCommits(options.connectionString, log, () => void drain());
  const poll = setInterval(() => void drain(), options.pollIntervalMs ?? 1000);
  void drain();

  return {
    drain,
    async stop() {
      stopped = true;
      clearInterval(poll);
      await listener.close();
      await running;
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
        "event-id": row.event.id,
        "event-type": row.event.type,
        "correlation-id": row.event.correlationId,
        "content-type": "application/json",
      },
    });
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** LISTEN on a connection of its own, reconnecting after a database restart. */
function listenForCommits(connectionString: string, log: Logger, onNotify: () => void) {
  let client: Client | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const reconnectSoon = () => {
    client = null;
    if (!closed && !retryTimer) retryTimer = setTimeout(() => ((retryTimer = undefined), void connect()), 1000);
  };

  const connect = async () => {
    const c = new Client({ connectionString });
    c.on("notification", onNotify);
    c.on("error", (error) => log.warn({ err: error }, "outbox LISTEN connection lost; polling until it is back"));
    c.on("end", reconnectSoon);
    try {
      await c.connect();
      await c.query("LISTEN outbox");
      if (closed) return void (c.removeAllListeners("end"), c.end());
      client = c;
      onNotify(); // rows committed while nobody was listening
    } catch (error) {
      log.warn({ err: error }, "outbox LISTEN failed; retrying");
      c.removeAllListeners("end");
      await c.end().catch(() => undefined);
      reconnectSoon();
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const c = client;
      c?.removeAllListeners("end");
      await c?.end().catch(() => undefined);
    },
  };
}
