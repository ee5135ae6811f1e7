import type { Consumer, Kafka } from "kafkajs";
import type { Logger } from "pino";

/** What one member of a consumer group got at the end of a rebalance. */
export interface Assignment {
  /** This instance's name (payment-2). */
  member: string;
  groupId: string;
  /** Members of the group in this generation; undefined if the broker could not say. */
  members: number | undefined;
  /** topic → the partitions this member now consumes. */
  owned: Record<string, number[]>;
  /** topic → its number of partitions, for every topic the group follows. */
  partitions: Record<string, number>;
}

/** "1 member", "3 members": the count and the word, for the log lines and the cluster status. */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function ownedOf(topic: string, partitions: number[], total: number | undefined): string {
  const sorted = [...partitions].sort((a, b) => a - b);
  if (total !== undefined && sorted.length === total && total > 1) return `all ${total} partitions of ${topic}`;
  return `${topic}/${sorted.join(", /")}`;
}

/**
 * A rebalance in words, for the log: "payment-2 now owns user.events/3, /4; … (group
 * payment-service, 3 members)", or, for a member given nothing, why it is idle: a partition is
 * consumed by one member of a group at a time, so members beyond the partitions wait.
 */
export function describeAssignment({ member, groupId, members, owned, partitions }: Assignment): string {
  const group = `group ${groupId}${members === undefined ? "" : `, ${plural(members, "member")}`}`;
  const topics = Object.entries(owned)
    .filter(([, list]) => list.length > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  if (topics.length > 0) return `${member} now owns ${topics.map(([topic, list]) => ownedOf(topic, list, partitions[topic])).join("; ")} (${group})`;

  const followed = Object.entries(partitions).sort(([a], [b]) => a.localeCompare(b));
  const total = followed.reduce((sum, [, n]) => sum + n, 0);
  const which =
    followed.length === 1 ? `of ${followed[0]![0]}` : `(${followed.map(([topic, n]) => `${n} of ${topic}`).join(", ")})`;
  const counted = `group ${groupId} has ${members === undefined ? "an unknown number of members" : plural(members, "member")} for ${plural(total, "partition")} ${which}`;
  if (members !== undefined && members > total) {
    return `${member} is idle: ${counted}; a partition is consumed by one member of a group at a time, so ${plural(members - total, "member")} wait${members - total === 1 ? "s" : ""} until one leaves`;
  }
  return `${member} is idle: ${counted}, and none was assigned to it this time`;
}

/**
 * Logs each rebalance this member takes part in, in words (describeAssignment): kafkajs says
 * what this member got (GROUP_JOIN); the group's size and the topics' partitions come from the
 * broker. Returns what stops it (the admin client it uses).
 */
export function logRebalances(
  kafka: Kafka,
  consumer: Consumer,
  { member, groupId, topics, logger }: { member: string; groupId: string; topics: string[]; logger: Logger },
): () => Promise<void> {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  let stopped = false;
  const describe = async (owned: Record<string, number[]>) => {
    connected ??= admin.connect();
    await connected;
    const [{ groups }, metadata] = await Promise.all([admin.describeGroups([groupId]), admin.fetchTopicMetadata({ topics })]);
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));
    return describeAssignment({ member, groupId, members: groups[0]?.members.length, owned, partitions });
  };
  const remove = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const owned = payload.memberAssignment as Record<string, number[]>;
    describe(owned).then(
      (words) => stopped || logger.info({ groupId, memberId: payload.memberId, assignment: owned }, words),
      (error) =>
        stopped ||
        logger.warn({ err: error, groupId, assignment: owned }, `${member} joined group ${groupId} and owns ${JSON.stringify(owned)}; the group's size could not be read`),
    );
  });
  return async () => {
    stopped = true;
    remove();
    if (connected) await connected.then(() => admin.disconnect(), () => undefined);
  };
}
