import { deadLetterTopicOf, sagaTopics, serviceNames, TOPIC_PARTITIONS } from "@saga-shop/contracts";
import type { Kafka } from "kafkajs";

/** Every topic the saga uses: those of the saga map (events, commands, replies) and one dead-letter topic per consumer. */
export const allTopics = (): string[] => [...sagaTopics(), ...serviceNames.map(deadLetterTopicOf)];

export interface TopicSettings {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/**
 * How the topics are replicated on a cluster of `brokers`: on three replicas where there are
 * three brokers (more copies would add writes, not safety the notes ask for), and an acks=all
 * write must reach two of them, so one broker may fail without losing an acknowledged message
 * or refusing writes. A single broker can only keep one copy, and must accept writes alone.
 */
export function topicSettings(brokers: number): TopicSettings {
  if (!Number.isInteger(brokers) || brokers < 1) throw new Error(`a cluster has at least one broker, got ${brokers}`);
  const replicationFactor = Math.min(3, brokers);
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}

export const describeSettings = (brokers: number, { replicationFactor, minInsyncReplicas }: TopicSettings): string =>
  `${brokers} broker${brokers === 1 ? "" : "s"}, replication factor ${replicationFactor}, min.insync.replicas ${minInsyncReplicas}`;

/**
 * Creates missing topics explicitly (the broker's auto-create is off), replicated as
 * `topicSettings` chooses for the brokers the cluster has now; existing ones are left as they are.
 * Unclean leader election stays off on every topic: a replica that missed acknowledged writes
 * must not become leader, even if that leaves a partition without one until an in-sync replica is back.
 */
export async function ensureTopics(kafka: Kafka): Promise<{ created: string[]; brokers: number; settings: TopicSettings }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const settings = topicSettings(brokers.length);
    const existing = new Set(await admin.listTopics());
    const missing = allTopics().filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: TOPIC_PARTITIONS,
          replicationFactor: settings.replicationFactor,
          configEntries: [
            { name: "min.insync.replicas", value: String(settings.minInsyncReplicas) },
            { name: "unclean.leader.election.enable", value: "false" },
          ],
        })),
      });
    }
    return { created: missing, brokers: brokers.length, settings };
  } finally {
    await admin.disconnect();
  }
}
