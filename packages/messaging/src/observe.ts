// For whoever watches the saga rather than taking part in it (apps/viewer): read every message of
// some topics, describe the services' consumer groups, and put a dead letter back on its source
// topic. Here because this package is the only one that speaks kafkajs.
import { AssignerProtocol, type Admin, type Kafka, type Producer } from "kafkajs";
import { headersAsText } from "./kafka";
import { headers } from "./definitions";

/** A message as an observer sees it: where it is, its key, value and headers as text. */
export interface ObservedMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface TopicFollower {
  stop(): Promise<void>;
}


/**
 * Reads every message of `topics` from the beginning, in its own consumer group, and hands each
 * partition's batch to `onMessages` in offset order. It commits nothing: a follower rebuilds what
 * it knows from the topics each time it starts (a fresh `groupId` per start), and leaves the
 * services' groups alone.
 */
export async function followTopics(
  kafka: Kafka,
  options: { groupId: string; topics: string[]; onMessages(messages: ObservedMessage[]): void; onCrash(error: Error): void },
): Promise<TopicFollower> {
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, sessionTimeout: 10_000 });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) options.onCrash(payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: options.topics.length,
    eachBatch: async ({ batch }) => {
      options.onMessages(
        batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(m.offset),
          key: m.key?.toString() ?? null,
          value: m.value,
          headers: headersAsText(m.headers),
        })),
      );
    },
  });
  return { stop: () => consumer.disconnect() };
}

export interface PartitionLag {
  partition: number;
  /** The group's committed offset (the next it will read), or null when it has committed none. */
  committed: number | null;
  /** The partition's end offset. */
  end: number;
  lag: number;
}

export interface GroupReport {
  groupId: string;
  /** Stable, PreparingRebalance, Empty, Dead… as the broker says. */
  state: string;
  members: { memberId: string; clientId: string; host: string; assignment: { topic: string; partitions: number[] }[] }[];
  topics: { topic: string; lag: number; partitions: PartitionLag[] }[];
  lag: number;
}

/** Committed offsets, end offsets and members of consumer groups, through one admin connection. */
export interface KafkaInspector {
  groups(groups: { groupId: string; topics: string[] }[]): Promise<GroupReport[]>;
  /** The offset `groupId` will read next on the partition, or -1 when it has committed none. */
  committedOffset(groupId: string, topic: string, partition: number): Promise<number>;
  /** Per partition, the offset the next message will get. */
  endOffsets(topic: string): Promise<Map<number, number>>;
  isUp(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createKafkaInspector(kafka: Kafka): Promise<KafkaInspector> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  const endOffsets = async (topic: string) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  return {
    async groups(wanted) {
      const { groups } = await admin.describeGroups(wanted.map((g) => g.groupId));
      return Promise.all(
        wanted.map(async ({ groupId, topics }) => {
          const description = groups.find((g) => g.groupId === groupId);
          // Committed offsets first: end offsets read after them can only be further on.
          const committed = await admin.fetchOffsets({ groupId, topics });
          const report: GroupReport["topics"] = [];
          for (const topic of topics) {
            const ends = await admin.fetchTopicOffsets(topic);
            const partitions = ends
              .map((end) => {
                const offset = Number(committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
                const from = offset < 0 ? Number(end.low) : offset;
                return { partition: end.partition, committed: offset < 0 ? null : offset, end: Number(end.high), lag: Math.max(0, Number(end.high) - from) };
              })
              .sort((a, b) => a.partition - b.partition);
            report.push({ topic, partitions, lag: partitions.reduce((sum, p) => sum + p.lag, 0) });
          }
          return {
            groupId,
            state: description?.state ?? "Unknown",
            members: (description?.members ?? []).map((member) => {
              const assignment = member.memberAssignment.length ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment : undefined;
              return {
                memberId: member.memberId,
                clientId: member.clientId,
                host: member.clientHost,
                assignment: Object.entries(assignment ?? {}).map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) })),
              };
            }),
            topics: report,
            lag: report.reduce((sum, t) => sum + t.lag, 0),
          };
        }),
      );
    },
    async committedOffset(groupId, topic, partition) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    },
    endOffsets,
    isUp: () => admin.describeCluster().then(() => true, () => false),
    close: () => admin.disconnect(),
  };
}

/**
 * The headers of a dead letter put back on its source topic: the original ones (the dead-letter-*
 * headers the consumer added dropped), a redrive count one higher than the message had, and the
 * dead letter it is a copy of.
 */
export function redriveHeaders(deadLetterHeaders: Record<string, string>, deadLetterId: string): Record<string, string> {
  const deadLetterNames = new Set<string>(Object.values(headers.deadLetter));
  const kept = Object.fromEntries(Object.entries(deadLetterHeaders).filter(([name]) => !deadLetterNames.has(name)));
  const count = Number(deadLetterHeaders[headers.redrive.count] ?? 0);
  return { ...kept, [headers.redrive.count]: String((Number.isInteger(count) && count > 0 ? count : 0) + 1), [headers.redrive.of]: deadLetterId };
}

/**
 * Publishes a dead letter's original key and value again, on the topic and partition it came
 * from, with redriveHeaders. Resolves once the broker has it (acks: all); returns its offset.
 */
export async function redrive(
  producer: Producer,
  deadLetter: { id: string; key: string | null; value: Buffer | null; headers: Record<string, string>; source: { topic: string; partition: number } },
): Promise<number> {
  const [result] = await producer.send({
    topic: deadLetter.source.topic,
    acks: -1,
    messages: [{ partition: deadLetter.source.partition, key: deadLetter.key, value: deadLetter.value, headers: redriveHeaders(deadLetter.headers, deadLetter.id) }],
  });
  return Number(result?.baseOffset ?? -1);
}
