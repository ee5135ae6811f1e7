import { deadLetterTopicOf, sagaTopics, serviceNames, TOPIC_PARTITIONS } from "@saga-shop/contracts";
import type { Kafka } from "kafkajs";

/** Every topic the saga uses: those of the saga map (events, commands, replies) and one dead-letter topic per consumer. */
export const allTopics = (): string[] => [...sagaTopics(), ...serviceNames.map(deadLetterTopicOf)];

/** Creates missing topics explicitly (the broker's auto-create is off); existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, replicationFactor = 1): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = allTopics().filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: TOPIC_PARTITIONS, replicationFactor })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
