import { hostname } from "node:os";
import { services, type ServiceName } from "@saga-shop/contracts";

/** A service's configuration, read from the environment once, at start; `settings` are its own. */
export interface ServiceConfig<Settings = unknown> {
  service: ServiceName;
  /**
   * This process's name among the service's instances (INSTANCE_NAME, e.g. payment-2, where
   * `{hostname}` stands for the machine's name; the service's name when unset): the name of its log lines, its Kafka client, its consumer group
   * member and its outbox relay, so that a rebalance or a relay takeover says which instance.
   */
  instance: string;
  host: string;
  port: number;
  databaseUrl: string;
  kafkaBrokers: string[];
  logLevel: string;
  logPretty: boolean;
  /**
   * The two-phase commit: the secret the coordinator sends to every participant's API, which
   * refuses any request without it (unset: no participant API, and no two-phase commit), and the
   * internal port a participant's API listens on.
   */
  twoPhaseCommit: { token: string | null; participantPort: number };
  /** What only this service reads (e.g. the delivery service's SERVED_COUNTRIES), already checked. */
  settings: Settings;
}

export type Env = Record<string, string | undefined>;

/** Reads a service's own settings from the environment; throws, naming the variable, on a bad one. */
export type SettingsReader<Settings> = (env: Env) => Settings;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** What every process of the shop reads the same way: where it listens, its brokers, how it logs. */
export function commonSettings(env: Env, defaultPort: number) {
  const kafkaBrokers = (env.KAFKA_BROKERS || "127.0.0.1:9092").split(",").map((b) => b.trim()).filter(Boolean);
  if (kafkaBrokers.length === 0) throw new Error(`KAFKA_BROKERS names no broker: "${env.KAFKA_BROKERS}"`);
  return {
    host: env.HOST || "127.0.0.1",
    port: integer(env, "PORT", defaultPort, 0, 65535),
    kafkaBrokers,
    logLevel: env.LOG_LEVEL || "info",
    logPretty: env.LOG_PRETTY === "1" || env.LOG_PRETTY === "true",
  };
}

/**
 * Reads a service's settings from the environment once, at start, and fails loudly on a bad one:
 * the common ones, then the service's own through `readSettings`. The default port is the
 * service's in the saga map (contracts' services.ts).
 */
export function loadConfig<Settings = Record<string, never>>(
  service: ServiceName,
  env: Env = process.env,
  readSettings: SettingsReader<Settings> = () => ({}) as Settings,
): ServiceConfig<Settings> {
  const role = `${service}_service`;
  const common = commonSettings(env, services[service].port);
  const { port } = common;
  const token = env.TWO_PHASE_COMMIT_TOKEN || null;
  if (token !== null && token.length < 16) throw new Error("TWO_PHASE_COMMIT_TOKEN must be at least 16 characters: it is the participant API's only lock");
  // {hostname} is this machine's name: a container's id, for replicas that share one compose definition.
  const instance = (env.INSTANCE_NAME || service).replaceAll("{hostname}", hostname());
  if (!/^[A-Za-z0-9._@-]{1,60}$/.test(instance)) throw new Error(`INSTANCE_NAME must be 1-60 letters, digits, '.', '_', '@' or '-', got "${instance}"`);
  return {
    service,
    instance,
    ...common,
    // Each service has its own database and role; the default is the one `pnpm start` prepares
    // on its Postgres cluster (127.0.0.1:5433).
    databaseUrl: env.DATABASE_URL || `postgresql://${role}:${role}@127.0.0.1:5433/${role}`,
    // Beside the public port by default: 3102 for the user service's 3002.
    twoPhaseCommit: { token, participantPort: integer(env, "PARTICIPANT_PORT", port === 0 ? 0 : port + 100, 0, 65535) },
    settings: readSettings(env),
  };
}

/** A comma-separated list setting, e.g. SERVED_COUNTRIES=US,GB. */
export function listSetting(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (!raw) return fallback;
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}
