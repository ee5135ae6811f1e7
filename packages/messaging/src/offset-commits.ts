import type { Consumer } from "kafkajs";
import type { Logger } from "pino";

export interface OffsetCommits {
  /** The message at `offset` is handled (or dead-lettered): commit past it, soon. */
  done(topic: string, partition: number, offset: string): void;
  /** Commit what is done now (before a rebalance, and before the consumer stops). */
  flush(): Promise<void>;
  /** After a rebalance: forget what was done on partitions this member no longer has (their new owner redoes it; handlers are idempotent). */
  keepOnly(assignment: Record<string, number[]>): void;
}

/**
 * Offsets committed at most once per `intervalMs`, instead of kafkajs's one OffsetCommit request
 * at the end of every partition batch: one at a time, that is one request per message consumed,
 * which the broker writes to __consumer_offsets. The commit still follows the handling (never
 * before it), so a crash means redelivery of at most the last interval's messages, which the
 * idempotent handlers absorb; never loss.
 */
export function offsetCommits(consumer: Consumer, intervalMs: number, log: Logger): OffsetCommits {
  const pending = new Map<string, { topic: string; partition: number; offset: string }>();
  let timer: NodeJS.Timeout | undefined;
  let lastCommit = 0;

  const commit = async () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const offsets = [...pending.values()];
    pending.clear();
    lastCommit = Date.now();
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      // A rebalance or a broker away: put them back (unless newer ones came meanwhile) and try again later.
      for (const o of offsets) if (!pending.has(`${o.topic}/${o.partition}`)) pending.set(`${o.topic}/${o.partition}`, o);
      log.debug({ err: error, partitions: offsets.length }, "offset commit failed; retried");
      schedule();
    }
  };
  function schedule() {
    if (timer || pending.size === 0) return;
    timer = setTimeout(() => void commit(), Math.max(0, lastCommit + intervalMs - Date.now()));
    timer.unref();
  }

  return {
    done(topic, partition, offset) {
      // Kafka's committed offset is the next one to read.
      pending.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
      schedule();
    },
    flush: commit,
    keepOnly(assignment) {
      for (const [key, { topic, partition }] of pending) if (!assignment[topic]?.includes(partition)) pending.delete(key);
      schedule();
    },
  };
}
