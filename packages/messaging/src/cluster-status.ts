import { consumerGroupOf, sagaTopics, serviceNames, topicsFollowedBy } from "@saga-shop/contracts";
import type { Kafka } from "kafkajs";
import { createKafkaInspector, type GroupReport } from "./observe";
import { describeQuorum, type QuorumStatus } from "./quorum";
import { plural } from "./rebalance";

// The cluster as the notes draw it (`pnpm kafka:status`): the brokers, the active controller,
// each saga topic's partitions with their leader and replicas, each service's consumer group
// with what each member owns, and the lag. Read once; formatted as plain text by a pure function.

export interface PartitionStatus {
  partition: number;
  /** -1: no leader (no in-sync replica is up; unclean election is off, so it waits for one). */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterStatus {
  brokers: { nodeId: number; host: string; port: number }[];
  quorum: QuorumStatus;
  topics: { topic: string; partitions: PartitionStatus[] }[];
  groups: GroupReport[];
}

/** The four services' consumer groups, with the topics each follows (the saga map). */
export const serviceGroups = () => serviceNames.map((service) => ({ groupId: consumerGroupOf(service), topics: topicsFollowedBy(service) }));

/** Reads the cluster through `kafka`; `brokers` are asked for the quorum (the same list, as text). */
export async function readClusterStatus(kafka: Kafka, brokers: string[], groups = serviceGroups()): Promise<ClusterStatus> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    const order = sagaTopics();
    const { topics } = await admin.fetchTopicMetadata({ topics: order });
    const inspector = await createKafkaInspector(kafka);
    const groupReports = await inspector.groups(groups).finally(() => inspector.close());
    return {
      brokers: cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })).sort((a, b) => a.nodeId - b.nodeId),
      quorum: await describeQuorum(brokers),
      topics: [...topics].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)).map(({ name, partitions }) => ({
        topic: name,
        partitions: partitions
          .map(({ partitionId, leader, replicas, isr }) => ({ partition: partitionId, leader, replicas, isr }))
          .sort((a, b) => a.partition - b.partition),
      })),
      groups: groupReports,
    };
  } finally {
    await admin.disconnect();
  }
}

const list = (ids: number[]) => (ids.length ? ids.join(",") : "none");

function partitionLine({ partition, leader, replicas, isr }: PartitionStatus): string {
  const notes = [
    leader < 0 ? "NO LEADER: writes and reads wait for an in-sync replica" : "",
    isr.length < replicas.length ? `under-replicated: ${isr.length} of ${replicas.length} in sync` : "",
  ].filter(Boolean);
  return `    ${String(partition).padStart(2)}  leader ${leader < 0 ? "-" : leader}  replicas ${list(replicas)}  in sync ${list(isr)}${notes.length ? `  (${notes.join("; ")})` : ""}`;
}

function groupLines(group: GroupReport): string[] {
  const lines = [`  ${group.groupId}: ${group.state}, ${plural(group.members.length, "member")}, lag ${group.lag}`];
  for (const member of group.members) {
    const owns = member.assignment.filter((a) => a.partitions.length).map((a) => `${a.topic}/${a.partitions.join(",")}`);
    lines.push(`    ${member.clientId} (${member.host}) ${member.memberId.slice(-8)}: ${owns.length ? owns.join("  ") : "no partitions (idle)"}`);
  }
  for (const topic of group.topics) {
    const each = topic.partitions.map((p) => `${p.partition}:${p.lag}`).join(" ");
    lines.push(`    lag ${topic.topic.padEnd(17)} ${String(topic.lag).padStart(5)}  (${each})`);
  }
  return lines;
}

/** The status as plain text, no colour: what `pnpm kafka:status` prints. */
export function formatClusterStatus(status: ClusterStatus): string {
  const { brokers, quorum, topics, groups } = status;
  const voters = new Set(quorum.voters.map((v) => v.nodeId));
  const controller = quorum.leaderId < 0 ? "none (the quorum is electing one)" : `node ${quorum.leaderId} (epoch ${quorum.leaderEpoch})`;
  const lines = [
    `brokers (${brokers.length}); active controller: ${controller}; controller quorum voters ${list([...voters].sort((a, b) => a - b))}`,
    ...brokers.map((b) => `  ${b.nodeId}  ${b.host}:${b.port}${b.nodeId === quorum.leaderId ? "  active controller" : voters.has(b.nodeId) ? "  controller (follower)" : ""}`),
    "",
    "topics (each partition: its leader, its replicas, the replicas in sync)",
  ];
  for (const { topic, partitions } of topics) {
    const leaders = new Map<number, number>();
    for (const p of partitions) if (p.leader >= 0) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
    const spread = [...leaders].sort(([a], [b]) => a - b).map(([node, n]) => `node ${node} leads ${n}`).join(", ");
    lines.push(`  ${topic}: ${plural(partitions.length, "partition")}, replication factor ${partitions[0]?.replicas.length ?? 0}${spread ? `; ${spread}` : ""}`);
    lines.push(...partitions.map(partitionLine));
  }
  lines.push("", "consumer groups (members and the partitions each owns; lag = end offset - committed offset, per partition)");
  for (const group of groups) lines.push(...groupLines(group));
  return `${lines.join("\n")}\n`;
}
