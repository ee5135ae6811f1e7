import {
  deadLetterTopicOf,
  describeEvent,
  isCompensation,
  parseEvent,
  type SagaEvent,
  type ServiceName,
} from "@saga-shop/contracts";
import type { IHeaders, Kafka, KafkaMessage, Producer } from "kafkajs";
import type { Logger } from "pino";
import { groupCommit } from "./group-commit";
import {
  handleAllOnce,
  handleOnce,
  UnprocessableEvent,
  type BeforeCommit,
  type EventHandlers,
  type HandleOutcome,
  type HandlerWork,
  type TransactionRunner,
} from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}
export const defaultRetry: RetryPolicy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 2000 };

export interface ConsumerDeps<Tx extends SqlTransaction> {
  service: ServiceName;
  db: TransactionRunner<Tx>;
  handlers: EventHandlers<Tx>;
  /** Sends dead letters; the service's own producer. */
  producer: Producer;
  logger: Logger;
  /** Is the database reachable? A failure while it is not is the infrastructure's, never the event's. */
  databaseIsUp: () => Promise<boolean>;
  retry?: RetryPolicy;
  beforeCommit?: BeforeCommit<Tx>;
}

/** Handles events in one transaction: handleAllOnce itself, or a group commit around it. */
export type CommitEvents<Tx> = (work: HandlerWork<Tx>[]) => Promise<HandleOutcome[]>;

const inOneTransaction =
  <Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>): CommitEvents<Tx> =>
  (work) =>
    handleAllOnce(deps.db, deps.service, work, deps.beforeCommit);

export type MessageOutcome = "processed" | "duplicate" | "ignored" | "dead-lettered";
export interface MessageSource {
  topic: string;
  partition: number;
  offset: string;
}
/** Lets a long retry keep the consumer's group membership alive, and stop when asked. */
export interface RetryControl {
  heartbeat(): Promise<void>;
  shouldStop(): boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface IncomingMessage {
  message: Pick<KafkaMessage, "key" | "value" | "headers">;
  source: MessageSource;
}

type Triage<Tx> = { work: HandlerWork<Tx> } | { done: MessageOutcome };

/** A message is either an event this service handles, one it does not follow, or a dead letter. */
async function triage<Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>, { message, source }: IncomingMessage): Promise<Triage<Tx>> {
  const parsed = parseEvent(message.value);
  if (!parsed.ok) return { done: await deadLetter(deps, message, source, parsed.reason, 0) };
  const handler = deps.handlers[parsed.event.type];
  if (!handler) {
    deps.logger.debug({ orderId: parsed.event.orderId, eventType: parsed.event.type }, "event not for this service; skipped");
    return { done: "ignored" };
  }
  return { work: { event: parsed.event, handler } };
}

/**
 * Consumes one message: parse, then handle once (see handleOnce) with bounded retries.
 * It never gives up silently. A message that is not a valid event, an event its handler calls
 * unprocessable, or one that keeps failing while the database is up goes to the dead-letter
 * topic with the reason. While the database is down it waits instead: that failure says
 * nothing about the event, and dead-lettering it would lose a good event.
 */
export async function consumeMessage<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  message: IncomingMessage["message"],
  source: MessageSource,
  control: RetryControl,
): Promise<MessageOutcome> {
  const triaged = await triage(deps, { message, source });
  if ("done" in triaged) return triaged.done;
  return handleWithRetries(deps, triaged.work, { message, source }, control);
}

/**
 * Consumes messages of one partition in order, handling all their events in ONE transaction
 * (shared with other partitions' batches when `commit` is a group commit): one commit for many
 * events. If that transaction fails, it goes back to one event at a time, so only the event at
 * fault is retried or dead-lettered and the others still get through.
 */
export async function consumeBatch<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  batch: readonly IncomingMessage[],
  control: RetryControl,
  commit: CommitEvents<Tx> = inOneTransaction(deps),
): Promise<MessageOutcome[]> {
  const outcomes: MessageOutcome[] = [];
  const pending: { index: number; work: HandlerWork<Tx> }[] = [];
  for (const [index, incoming] of batch.entries()) {
    const triaged = await triage(deps, incoming);
    if ("done" in triaged) outcomes[index] = triaged.done;
    else pending.push({ index, work: triaged.work });
  }
  if (pending.length === 0) return outcomes;
  try {
    const results = await commit(pending.map((p) => p.work));
    results.forEach((result, k) => {
      outcomes[pending[k]!.index] = reportHandled(deps, pending[k]!.work.event, result);
    });
  } catch (error) {
    deps.logger.debug({ err: error, events: pending.length }, "batch transaction failed; handling its events one by one");
    for (const { index, work } of pending) outcomes[index] = await handleWithRetries(deps, work, batch[index]!, control);
  }
  return outcomes;
}

// Codes of a database that is unreachable, restarting or overloaded (pg, Node sockets, Prisma's
// P1xxx connection errors, P2024 pool timeout, P2028 no transaction in time): never the event's fault.
const OUTAGE_CODES = new Set([
  ...["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"],
  ...["57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"],
  ...["P1001", "P1002", "P1017", "P2024", "P2028"],
]);
function looksLikeOutage(error: unknown): boolean {
  type Cause = { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  let e = error as Cause;
  for (let depth = 0; e && depth < 4; e = e.cause as Cause, depth++) {
    if (OUTAGE_CODES.has(String(e.code)) || OUTAGE_CODES.has(String(e.originalCode))) return true;
    if (/Connection terminated|connection (is )?closed|Can't reach database/i.test(String(e.message))) return true;
  }
  return false;
}

async function handleWithRetries<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  { event, handler }: HandlerWork<Tx>,
  { message, source }: IncomingMessage,
  control: RetryControl,
): Promise<MessageOutcome> {
  const retry = deps.retry ?? defaultRetry;
  const log = deps.logger.child({ orderId: event.orderId, correlationId: event.correlationId });
  // Only failures while the database is up count against the event: an outage is not its fault.
  for (let attempt = 1, eventFailures = 0; ; attempt++) {
    try {
      return reportHandled(deps, event, await handleOnce(deps.db, deps.service, event, handler, deps.beforeCommit));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof UnprocessableEvent) return deadLetter(deps, message, source, reason, attempt);
      const databaseUp = !looksLikeOutage(error) && (await deps.databaseIsUp());
      if (databaseUp) eventFailures++;
      if (eventFailures >= retry.attempts) return deadLetter(deps, message, source, reason, attempt);
      if (control.shouldStop()) throw error; // not committed: redelivered to whoever takes the partition
      const delay = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.min(attempt - 1, 10));
      log.warn({ err: error, attempt, databaseUp, eventId: event.id }, `handling ${event.type} failed; retrying in ${delay} ms`);
      await sleep(delay);
      await control.heartbeat();
    }
  }
}

function reportHandled<Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>, cause: SagaEvent, result: HandleOutcome): MessageOutcome {
  const log = deps.logger.child({ orderId: cause.orderId, correlationId: cause.correlationId });
  if (result.outcome === "duplicate") {
    log.info({ eventId: cause.id, eventType: cause.type }, `${cause.type} already processed; redelivery ignored`);
    return "duplicate";
  }
  logHandled(log, cause, result.emitted);
  return "processed";
}

function logHandled(log: Logger, cause: SagaEvent, emitted: SagaEvent[]) {
  log.debug({ eventId: cause.id, eventType: cause.type }, `${cause.type} handled`);
  for (const event of emitted) {
    const fields = { eventId: event.id, eventType: event.type, causationId: cause.id };
    log.info(isCompensation(event) ? { ...fields, compensation: true } : fields, describeEvent(event));
  }
}

async function deadLetter<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  message: Pick<KafkaMessage, "key" | "value" | "headers">,
  source: MessageSource,
  reason: string,
  attempts: number,
): Promise<"dead-lettered"> {
  const topic = deadLetterTopicOf(deps.service);
  // Keep the original bytes, key and headers, and say where it came from and why it failed.
  await deps.producer.send({
    topic,
    acks: -1,
    messages: [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...copyHeaders(message.headers),
          "dead-letter-reason": reason,
          "dead-letter-source": `${source.topic}/${source.partition}@${source.offset}`,
          "dead-letter-consumer": deps.service,
          "dead-letter-attempts": String(attempts),
          "dead-letter-at": new Date().toISOString(),
        },
      },
    ],
  });
  deps.logger.error({ ...source, reason, attempts, deadLetterTopic: topic }, `message dead-lettered: ${reason}`);
  return "dead-lettered";
}

function copyHeaders(headers: IHeaders | undefined): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) copy[name] = Array.isArray(value) ? value.join(",") : value.toString();
  }
  return copy;
}

/** Enough to share one commit among many events, small enough to keep row locks short. */
const MAX_EVENTS_PER_TRANSACTION = 400;
/** A partition's batch is handed in in chunks: its offsets are committed as each chunk is done. */
const MAX_EVENTS_PER_CHUNK = 100;
/** More than the partitions one service follows (3 topics × 6 partitions for the order service). */
const PARTITIONS_CONSUMED_CONCURRENTLY = 24;

export interface EventConsumer {
  stop(): Promise<void>;
}

export interface ConsumerOptions {
  /**
   * A crashed instance's partitions move to the others after this long without a heartbeat
   * (kafkajs's default is 30 s, which a restart after SIGKILL would wait out too).
   */
  sessionTimeoutMs?: number;
}
const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * One consumer group per service. Partitions are consumed concurrently, messages within a
 * partition (one order's events) strictly in order; an offset is committed only after its
 * message is handled or dead-lettered, so a crash means redelivery, never loss.
 */
export async function startEventConsumer<Tx extends SqlTransaction>(
  kafka: Kafka,
  topics: string[],
  deps: ConsumerDeps<Tx>,
  onCrash: (error: Error) => void,
  options: ConsumerOptions = {},
): Promise<EventConsumer> {
  const consumer = kafka.consumer({
    groupId: `${deps.service}-service`,
    allowAutoTopicCreation: false,
    // A fetch returns as soon as there is a message; this is only how long an idle fetch waits
    // (long polling). At 50 ms four idle services and the broker kept a third of a core busy.
    maxWaitTimeInMs: 1000,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) onCrash(payload.error);
  });
  await consumer.connect();
  // A new group starts at the beginning, so events published before it first joined are not skipped.
  await consumer.subscribe({ topics, fromBeginning: true });
  const commit = groupCommit(inOneTransaction(deps), MAX_EVENTS_PER_TRANSACTION);
  await consumer.run({
    eachBatchAutoResolve: false,
    // Every partition of a fetch at once: their batches meet in one group commit.
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
      const control = { heartbeat, shouldStop: () => !isRunning() || isStale() };
      // kafkajs heartbeats only between batches. Under load a batch can wait on a busy CPU or
      // database longer than the session timeout; without these the broker drops the member, the
      // group rebalances, the batch is redelivered, and throughput collapses under overload.
      const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_INTERVAL_MS);
      try {
        for (let start = 0; start < batch.messages.length; start += MAX_EVENTS_PER_CHUNK) {
          if (control.shouldStop()) break;
          const chunk = batch.messages.slice(start, start + MAX_EVENTS_PER_CHUNK);
          await consumeBatch(
            deps,
            chunk.map((message) => ({ message, source: { topic: batch.topic, partition: batch.partition, offset: message.offset } })),
            control,
            commit,
          );
          resolveOffset(chunk.at(-1)!.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      } finally {
        clearInterval(keepAlive);
      }
    },
  });
  return { stop: () => consumer.disconnect() };
}
