// Every name and default of the messaging mechanism, in one place (as platformatic/kafka-hooks
// keeps its definitions): the headers it writes, and the numbers it is tuned with.

/** Headers of every published event (the relay), of every dead letter (the consumer) and of a redriven one. */
export const headers = {
  eventId: "event-id",
  eventType: "event-type",
  correlationId: "correlation-id",
  contentType: "content-type",
  deadLetter: {
    reason: "dead-letter-reason",
    /** `<topic>/<partition>@<offset>` of the original message. */
    source: "dead-letter-source",
    consumer: "dead-letter-consumer",
    attempts: "dead-letter-attempts",
    at: "dead-letter-at",
  },
  /** Of a dead letter put back on its source topic (observe.ts). */
  redrive: {
    /** How often this message has been redriven, this time included. */
    count: "redrive-count",
    /** The dead letter it is a copy of: `<dead-letter topic>/<partition>@<offset>`. */
    of: "redrive-of",
  },
} as const;

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaults = {
  /** Failures of one event, with the database up, before it is dead-lettered. */
  retry: { attempts: 5, initialDelayMs: 100, maxDelayMs: 2000 } satisfies RetryPolicy,
  consumer: {
    /** Enough to share one commit among many events, small enough to keep row locks short. */
    maxEventsPerTransaction: 400,
    /** A partition's batch is handed in in chunks: its offsets are committed as each chunk is done. */
    maxEventsPerChunk: 100,
    /** More than the partitions one service follows (3 topics × 6 partitions for the order service). */
    partitionsConsumedConcurrently: 24,
    /**
     * A crashed instance's partitions move to the others after this long without a heartbeat
     * (kafkajs's default is 30 s, which a restart after SIGKILL would wait out too).
     */
    sessionTimeoutMs: 10_000,
    /**
     * A third of the session timeout, as Kafka advises: a member still learns of a rebalance
     * within 3 s. At 1 s, heartbeats were half the Kafka requests of four idle services.
     */
    heartbeatIntervalMs: 3_000,
    /**
     * A fetch returns as soon as there is a message; this is only how long an idle fetch waits
     * (long polling). At 50 ms four idle services and the broker kept a third of a core busy.
     */
    maxWaitTimeInMs: 1_000,
    /** How long a partition rests when one of its messages waits on a locked row, before it is taken again. */
    lockedRowPauseMs: 1_000,
  },
  relay: {
    /** Rows per Kafka request. */
    batchSize: 500,
    /** Safety net only: commits wake the relay through NOTIFY. */
    pollIntervalMs: 1_000,
    /** Drains start at least this far apart, so that under load one Kafka request carries many commits' rows. */
    minDrainIntervalMs: 10,
    /** The session advisory lock whose holder is the one relay of a database that publishes (any constant will do). */
    lockKey: 4_242_001,
  },
} as const;
