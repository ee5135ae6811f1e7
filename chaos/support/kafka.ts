import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Admin, type IHeaders } from "kafkajs";
import type { ServiceName } from "@saga-shop/contracts";
import type { ObservedMessage } from "@saga-shop/messaging";
import { groups } from "./groups";
import { chaosEnv, sleep } from "./env";

// What the suite reads from Kafka: consumer-group lag, topic contents and end offsets.

export { consumersOf, sagaTopicList, groups } from "./groups";

export const kafka = new Kafka({
  clientId: "chaos-suite",
  brokers: chaosEnv.brokers,
  logLevel: logLevel.NOTHING,
  retry: { initialRetryTime: 200, retries: 8 },
});

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * kafkajs's fetchTopicOffsets, tried again for a while: right after a leader election on a
 * cluster its metadata can lack a partition's leader for a moment, and it then fails with a
 * TypeError of its own ("Cannot destructure property 'partitions' of 'high.pop(...)'").
 */
async function fetchTopicOffsets(admin: Admin, topic: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= 10) throw error;
      await sleep(1000);
    }
  }
}

/** Per topic and partition: [low, high) offsets. */
export async function topicOffsets(admin: Admin, topics: string[]) {
  const offsets = await Promise.all(topics.map((topic) => fetchTopicOffsets(admin, topic)));
  return Object.fromEntries(
    topics.map((topic, i) => [topic, offsets[i]!.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))]),
  );
}

export const messageCount = (offsets: Awaited<ReturnType<typeof topicOffsets>>) =>
  Object.values(offsets).flat().reduce((sum, p) => sum + p.high - p.low, 0);

/** Messages a group has not yet committed past, over all its topics. */
export async function groupLag(admin: Admin, service: ServiceName): Promise<number> {
  const { groupId, topics } = groups[service];
  // Committed offsets first: the end offsets read after them can only be further on.
  const committed = await admin.fetchOffsets({ groupId, topics });
  const ends = await topicOffsets(admin, topics);
  let lag = 0;
  for (const { topic, partitions } of committed) {
    for (const end of ends[topic]!) {
      const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      lag += end.high - (offset < 0 ? end.low : offset);
    }
  }
  return lag;
}

export async function allLags(admin: Admin): Promise<Record<ServiceName, number>> {
  const services = Object.keys(groups) as ServiceName[];
  const lags = await Promise.all(services.map((service) => groupLag(admin, service)));
  return Object.fromEntries(services.map((service, i) => [service, lags[i]!])) as Record<ServiceName, number>;
}

/** Moves a stopped group back to the start of every topic it follows. */
export async function resetToEarliest(admin: Admin, service: ServiceName): Promise<void> {
  const { groupId, topics } = groups[service];
  for (const topic of topics) {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.resetOffsets({ groupId, topic, earliest: true });
        break;
      } catch (error) {
        // A member that was killed stays in the group until its session times out.
        if (attempt >= 40) throw error;
        await sleep(1000);
      }
    }
  }
}

export interface TopicMessage extends ObservedMessage {
  /** The value as JSON, when it is JSON. */
  json?: any;
}

const headerText = (headers: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v?.toString() ?? "")]));

/**
 * Every message of the topics, from `from` (default: the beginning) to the end offsets as they
 * are when called. Reads with a throwaway consumer group that commits nothing, deleted afterwards.
 */
export async function readTopics(topics: string[], from?: Record<string, { partition: number; high: number }[]>): Promise<TopicMessage[]> {
  const ends = await withAdmin((admin) => topicOffsets(admin, topics));
  const start = (topic: string, partition: number) =>
    from?.[topic]?.find((p) => p.partition === partition)?.high ?? ends[topic]!.find((p) => p.partition === partition)!.low;
  const remaining = new Set<string>();
  for (const topic of topics) {
    for (const p of ends[topic]!) if (p.high > start(topic, p.partition)) remaining.add(`${topic}/${p.partition}`);
  }
  const messages: TopicMessage[] = [];
  if (remaining.size === 0) return messages;
  const groupId = `chaos-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends[batch.topic]!.find((p) => p.partition === batch.partition)!.high;
        const first = start(batch.topic, batch.partition);
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < first || offset >= end) continue;
          let json: unknown;
          try {
            json = m.value ? JSON.parse(m.value.toString()) : undefined;
          } catch {
            json = undefined;
          }
          messages.push({ topic: batch.topic, partition: batch.partition, offset, key: m.key?.toString() ?? null, value: m.value, headers: headerText(m.headers), json });
          if (offset === end - 1) remaining.delete(`${batch.topic}/${batch.partition}`);
        }
        if (remaining.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topics.join(", ")} did not reach the end offsets in 90 s (missing ${[...remaining].join(", ")})`)), 90_000);
    });
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  // A rebalance can hand a batch over twice; keep one copy of each offset.
  const unique = new Map(messages.map((m) => [`${m.topic}/${m.partition}@${m.offset}`, m]));
  return [...unique.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);
}
