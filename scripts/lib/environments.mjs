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

const environment = (name, offset, { portBase, dbPrefix }) => ({
  name,
  kafka: {
    KAFKA_PORT: String(9092 + offset + shift),
    KAFKA_CONTROLLER_PORT: String(9093 + offset + shift),
    KAFKA_DIR: join(root, ".local", name === "start" ? "kafka" : `kafka-${name}`),
  },
  brokers: `127.0.0.1:${9092 + offset + shift}`,
  postgresPort: 5433 + offset + shift,
  /** A service listens on portBase plus its port's last digits in the saga map (order 3001: portBase + 1). */
  portBase: portBase + shift,
  dbPrefix,
});

export const environments = {
  start: environment("start", 0, { portBase: 3000, dbPrefix: "" }),
  test: environment("test", 10_000, { portBase: 4000, dbPrefix: "test_" }),
  chaos: environment("chaos", 30_000, { portBase: 5000, dbPrefix: "chaos_" }),
  bench: environment("bench", 40_000, { portBase: 6000, dbPrefix: "bench_" }),
  demo: environment("demo", 50_000, { portBase: 7000, dbPrefix: "demo_" }),
};

/** The port of `service` under `environment`, from the saga map's default port. */
export const portIn = (environment, defaultPort) => environment.portBase + (defaultPort % 1000);
