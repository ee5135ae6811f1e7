import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { sagaTopics } from "@saga-shop/contracts";
import { describeQuorum } from "@saga-shop/messaging";
import { root } from "../../e2e/support/system";
import { chaosEnv, sleep } from "./env";
import { withAdmin } from "./kafka";

// The chaos run's own Kafka cluster (scripts/kafka.sh, KAFKA_NODES=3): which node leads what,
// which one is the active controller, and one node stopped, killed or started, never another
// cluster's.

const run = promisify(execFile);

if (chaosEnv.kafka.KAFKA_NODES !== "3" || chaosEnv.brokers.length !== 3) {
  throw new Error("the cluster part needs the chaos run's cluster of three (KAFKA_NODES=3 and three KAFKA_BROKERS): run `pnpm test:chaos`");
}

/** scripts/kafka.sh start-node | stop-node (SIGTERM) | kill-node (SIGKILL) <node>, on the chaos cluster's dir. */
export async function kafkaNode(verb: "start-node" | "stop-node" | "kill-node", node: number): Promise<void> {
  // A node that was down catches up on every partition before it answers; on a busy machine that
  // takes longer than a first start (kafka.sh's 60 s).
  const env = { ...process.env, ...chaosEnv.kafka, KAFKA_START_TIMEOUT: "240" };
  await run("bash", [join(root, "scripts", "kafka.sh"), verb, String(node)], { env, cwd: root, timeout: 300_000 });
}

/** Per node id: how many saga partitions it leads now. */
export async function leadership(): Promise<Map<number, number>> {
  const { topics } = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: sagaTopics() }));
  const leads = new Map<number, number>();
  for (const { partitions } of topics) for (const { leader } of partitions) if (leader >= 0) leads.set(leader, (leads.get(leader) ?? 0) + 1);
  return leads;
}

/** The node that leads the most saga partitions (the lowest id on a tie). */
export async function busiestLeader(): Promise<{ node: number; partitions: number }> {
  const [node, partitions] = [...(await leadership())].sort(([a, x], [b, y]) => y - x || a - b)[0]!;
  return { node, partitions };
}

/** The active controller: the leader of the controller quorum. */
export async function activeController(): Promise<number> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const { leaderId } = await describeQuorum(chaosEnv.brokers).catch(() => ({ leaderId: -1 }));
    if (leaderId >= 0) return leaderId;
    await sleep(500);
  }
  throw new Error("no active controller in 30 s");
}

/** Partitions of the saga topics (and the groups' offsets topic) whose in-sync replicas are fewer than their replicas. */
async function underReplicated(): Promise<string[]> {
  const topics = [...sagaTopics(), "__consumer_offsets"];
  const { topics: metadata } = await withAdmin((admin) => admin.fetchTopicMetadata({ topics }));
  return metadata.flatMap(({ name, partitions }) =>
    partitions.filter((p) => p.leader < 0 || p.isr.length < p.replicas.length).map((p) => `${name}/${p.partitionId}`),
  );
}

/** Waits until every replica is back in sync (a node that came back has caught up). */
export async function waitForFullIsr(timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  let behind: string[] = [];
  while (Date.now() - started < timeoutMs) {
    behind = await underReplicated().catch(() => ["(metadata unavailable)"]);
    if (behind.length === 0) return Date.now() - started;
    await sleep(500);
  }
  throw new Error(`replicas still out of sync after ${timeoutMs / 1000} s: ${behind.slice(0, 10).join(", ")}`);
}
