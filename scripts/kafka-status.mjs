// `pnpm kafka:status`: the picture of the Kafka of `pnpm start` (its one broker, or its cluster
// with --cluster) or of KAFKA_BROKERS: brokers, the active controller, each saga topic's
// partitions (leader, replicas, in sync), each consumer group's members and lag.
// (packages/messaging/src/cluster-status.ts; needs `pnpm build`, which `pnpm start` runs.)
import { existsSync } from "node:fs";
import { join } from "node:path";
import { clustered, environments } from "./lib/environments.mjs";
import { root, run } from "./lib/run.mjs";

const script = join(root, "packages", "messaging", "dist", "kafka-status.js");
if (!existsSync(script)) {
  console.error("kafka:status: packages/messaging is not built yet: run `pnpm build` (or `pnpm start`) first");
  process.exit(1);
}
// A cluster's nodes live in node-N under the broker's dir (scripts/kafka.sh): the cluster runs if node 1 does.
const start = environments.start;
const cluster = existsSync(join(start.kafka.KAFKA_DIR, "node-1", "kafka.pid"));
const brokers = process.env.KAFKA_BROKERS ?? (cluster ? clustered(start) : start).brokers;
try {
  run(process.execPath, [script], { env: { ...process.env, KAFKA_BROKERS: brokers } });
} catch {
  process.exit(1);
}
