// Where each root command runs its own Kafka broker, Postgres cluster and services: start, test,
// chaos, bench and the demos never share one, so any of them can run beside the others.
//
// SAGA_PORT_SHIFT=<n> moves every port of every command by n (e.g. 100: `pnpm start` on
// 3101-3104, Kafka 9192, Postgres 5533), so that two checkouts can run side by side; each
// checkout keeps its data under its own .local/.
import { join } from "node:path";
import { root } from "./run.mjs";

const shift = Number(process.env.SAGA_PORT_SHIFT ?? 0);
if (!Number.isInteger(shift) || shift < 0 || shift > 900) {
  console.error(`SAGA_PORT_SHIFT must be an integer from 0 to 900, got "${process.env.SAGA_PORT_SHIFT}"`);
  process.exit(1);
}

/**
 * Kafka of `nodes` nodes as scripts/kafka.sh runs it: node N's broker on 9092 + 2(N-1) and its
 * controller one above (9092/9093, 9094/9095, 9096/9097), plus the command's offset and the shift.
 */
const kafkaOf = (name, offset, nodes) => {
  const kafkaNodes = Array.from({ length: nodes }, (_, i) => ({ node: i + 1, port: 9092 + offset + shift + 2 * i, controllerPort: 9093 + offset + shift + 2 * i }));
  return {
    kafka: {
      KAFKA_PORT: String(kafkaNodes[0].port),
      KAFKA_CONTROLLER_PORT: String(kafkaNodes[0].controllerPort),
      KAFKA_DIR: join(root, ".local", name === "start" ? "kafka" : `kafka-${name}`),
      // Explicit, so a KAFKA_NODES left in the caller's shell cannot change a command's broker.
      KAFKA_NODES: String(nodes),
    },
    kafkaNodes,
    brokers: kafkaNodes.map((n) => `127.0.0.1:${n.port}`).join(","),
  };
};

const environment = (name, offset, { portBase, dbPrefix }) => ({
  name,
  offset,
  ...kafkaOf(name, offset, 1),
  postgresPort: 5433 + offset + shift,
  /** A service listens on portBase plus its port's last digits in the saga map (order 3001: portBase + 1). */
  portBase: portBase + shift,
  dbPrefix,
});

// Every offset keeps its ports below 32768, where Linux's ephemeral ports begin: in that range a
// client socket of this machine can hold a port just as a broker binds it (a broker's own
// connection to its controller did, in CI). Kafka 9092-9097 and Postgres 5433 plus:
export const environments = {
  start: environment("start", 0, { portBase: 3000, dbPrefix: "" }),
  test: environment("test", 10_000, { portBase: 4000, dbPrefix: "test_" }),
  bench: environment("bench", 12_000, { portBase: 6000, dbPrefix: "bench_" }),
  demo: environment("demo", 14_000, { portBase: 7000, dbPrefix: "demo_" }),
  chaos: environment("chaos", 20_000, { portBase: 5000, dbPrefix: "chaos_" }),
};

/**
 * The same command on a Kafka cluster of `nodes` (three by default: one can fail), in the same
 * KAFKA_DIR (the nodes live in its node-N subdirectories), KAFKA_BROKERS listing every node.
 */
export const clustered = (environment, nodes = 3) => ({ ...environment, ...kafkaOf(environment.name, environment.offset, nodes) });

/** The port of `service` under `environment`, from the saga map's default port. */
export const portIn = (environment, defaultPort) => environment.portBase + (defaultPort % 1000);
