import { consumerGroupOf } from "@saga-shop/contracts";
import type { Kafka } from "kafkajs";
import { consumeBatch, inOneTransaction } from "./consume";
import type { ConsumerDeps } from "./consumer-deps";
import { defaults } from "./definitions";
import { groupCommit } from "./group-commit";
import type { SqlTransaction } from "./outbox";
import { logRebalances } from "./rebalance";

export interface EventConsumer {
  stop(): Promise<void>;
}

export interface ConsumerOptions {
  /** See defaults.consumer.sessionTimeoutMs. */
  sessionTimeoutMs?: number;
  /** This instance's name in the rebalance log lines (payment-2 now owns ...); the service's by default. */
  member?: string;
}
const { heartbeatIntervalMs, maxEventsPerChunk, maxEventsPerTransaction, partitionsConsumedConcurrently } = defaults.consumer;

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
  const groupId = consumerGroupOf(deps.service);
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: defaults.consumer.maxWaitTimeInMs,
    sessionTimeout: options.sessionTimeoutMs ?? defaults.consumer.sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) onCrash(payload.error);
  });
  const stopLoggingRebalances = logRebalances(kafka, consumer, { member: options.member ?? deps.service, groupId, topics, logger: deps.logger });
  await consumer.connect();
  // A new group starts at the beginning, so events published before it first joined are not skipped.
  await consumer.subscribe({ topics, fromBeginning: true });
  const commit = groupCommit(inOneTransaction(deps), maxEventsPerTransaction);
  await consumer.run({
    eachBatchAutoResolve: false,
    // Every partition of a fetch at once: their batches meet in one group commit.
    partitionsConsumedConcurrently,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, pause }) => {
      const control = { heartbeat, shouldStop: () => !isRunning() || isStale() };
      // kafkajs heartbeats only between batches. Under load a batch can wait on a busy CPU or
      // database longer than the session timeout; without these the broker drops the member, the
      // group rebalances, the batch is redelivered, and throughput collapses under overload.
      const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), heartbeatIntervalMs);
      try {
        for (let start = 0; start < batch.messages.length; start += maxEventsPerChunk) {
          if (control.shouldStop()) break;
          const chunk = batch.messages.slice(start, start + maxEventsPerChunk);
          const outcomes = await consumeBatch(
            deps,
            chunk.map((message) => ({ message, source: { topic: batch.topic, partition: batch.partition, offset: message.offset } })),
            control,
            commit,
          );
          const waiting = outcomes.indexOf("waits");
          if (waiting >= 0) {
            // Done up to the one that waits; the partition rests, the others go on, and it is
            // fetched again from that message when it resumes.
            if (waiting > 0) resolveOffset(chunk[waiting - 1]!.offset);
            await commitOffsetsIfNecessary();
            const resume = pause();
            setTimeout(resume, defaults.consumer.lockedRowPauseMs).unref();
            break;
          }
          resolveOffset(chunk.at(-1)!.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      } finally {
        clearInterval(keepAlive);
      }
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await stopLoggingRebalances();
    },
  };
}
