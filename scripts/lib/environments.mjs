// Where each root command runs its own Kafka broker, Postgres cluster and services: start, test,
// chaos and bench never share one, so any of them can run beside the others.
import { join } from "node:path";
import { root } from "./run.mjs";

const environment = (name, offset, { dbPrefix }) => ({
  name,
  kafka: {
    KAFKA_PORT: String(9092 + offset),
    KAFKA_CONTROLLER_PORT: String(9093 + offset),
    KAFKA_DIR: join(root, ".local", name === "start" ? "kafka" : `kafka-${name}`),
  },
  brokers: `127.0.0.1:${9092 + offset}`,
  postgresPort: 5433 + offset,
  /** The services listen on portBase + 1..4 (order, user, payment, delivery). */
  portBase: 3000 + offset / 10,
  dbPrefix,
});

export const environments = {
  start: environment("start", 0, { dbPrefix: "" }),
  test: environment("test", 10_000, { dbPrefix: "test_" }),
  chaos: environment("chaos", 30_000, { dbPrefix: "chaos_" }),
  bench: environment("bench", 40_000, { dbPrefix: "bench_" }),
};
