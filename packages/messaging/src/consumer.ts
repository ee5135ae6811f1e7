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
import { handleOnce, UnprocessableEvent, type EventHandlers, type TransactionRunner } from "./idempotent-handler";
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
  onEmit?: (tx: Tx, emitted: SagaEvent[]) => Promise<void>;
}

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

/**
 * Consumes one message: parse, then handle once (see handleOnce) with bounded retries.
 * It never gives up silently. A message that is not a valid event, an event its handler calls
 * unprocessable, or one that keeps failing while the database is up goes to the dead-letter
 * topic with the reason. While the database is down it waits instead: that failure says
 * nothing about the event, and dead-lettering it would lose a good event.
 */
export async function consumeMessage<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  message: Pick<KafkaMessage, "key" | "value" | "headers">,
  source: MessageSource,
  control: RetryControl,
): Promise<MessageOutcome> {
  const parsed = parseEvent(message.value);
  if (!parsed.ok) return deadLetter(deps, message, source, parsed.reason, 0);
  const event = parsed.event;
  const handler = deps.handlers[event.type];
  const log = deps.logger.child({ orderId: event.orderId, correlationId: event.correlationId });
  if (!handler) {
    log.debug({ eventType: event.type }, "event not for this service; skipped");
    return "ignored";
  }
  const retry = deps.retry ?? defaultRetry;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await handleOnce(deps.db, deps.service, event, handler, deps.onEmit);
      if (result.outcome === "duplicate") {
        log.info({ eventId: event.id, eventType: event.type }, `${event.type} already processed; redelivery ignored`);
        return "duplicate";
      }
      logHandled(log, event, result.emitted);
      return "processed";
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof UnprocessableEvent) return deadLetter(deps, message, source, reason, attempt);
      const databaseUp = await deps.databaseIsUp();
      if (databaseUp && attempt >= retry.attempts) return deadLetter(deps, message, source, reason, attempt);
      if (control.shouldStop()) throw error; // not committed: redelivered to whoever takes the partition
      const delay = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.min(attempt - 1, 10));
      log.warn({ err: error, attempt, databaseUp, eventId: event.id }, `handling ${event.type} failed; retrying in ${delay} ms`);
      await sleep(delay);
      await control.heartbeat();
    }
  }
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

export interface EventConsumer {
  stop(): Promise<void>;
}

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
): Promise<EventConsumer> {
  const consumer = kafka.consumer({
    groupId: `${deps.service}-service`,
    allowAutoTopicCreation: false,
    // kafkajs waits up to 5 s for a fetch to fill by default: seconds of latency per saga hop.
    maxWaitTimeInMs: 50,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) onCrash(payload.error);
  });
  await consumer.connect();
  // A new group starts at the beginning, so events published before it first joined are not skipped.
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
      const control = { heartbeat, shouldStop: () => !isRunning() || isStale() };
      for (const message of batch.messages) {
        if (control.shouldStop()) break;
        const source = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        await consumeMessage(deps, message, source, control);
        resolveOffset(message.offset);
        await heartbeat();
      }
      await commitOffsetsIfNecessary();
    },
  });
  return { stop: () => consumer.disconnect() };
}
