import type { ServiceName } from "@saga-shop/contracts";
import { emittingTransactions, type SqlTransaction } from "@saga-shop/messaging";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type Env } from "./config";
import type { ServiceApp, ServiceDatabase, ServiceDefinition } from "./definition";
import { buildHttpApp, type Readiness } from "./http";
import { createLogger } from "./logger";
import { databasePlugin } from "./plugins/database";
import { eventConsumerPlugin } from "./plugins/event-consumer";
import { kafkaPlugin } from "./plugins/kafka";
import { migrationsPlugin } from "./plugins/migrations";
import { outboxRelayPlugin } from "./plugins/outbox-relay";
import { participantApiPlugin } from "./plugins/participant-api";

export interface BuildOptions<Db> {
  env?: Env;
  /**
   * For tests of the HTTP side: stands in for the database client, and nothing connects to
   * Postgres or Kafka (no migrations, relay or consumer).
   */
  database?: Db;
}

/**
 * A service as a fastify application that does not listen (server.ts does): its configuration,
 * then one plugin per dependency (migrations, database, Kafka, outbox relay), its routes, and
 * last its event consumer. Each plugin closes what it opened when the app closes, in reverse:
 * the consumer stops first, the relay publishes what is left, the database closes last.
 */
export function buildServiceApp<S extends ServiceName, Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction, Settings>(
  definition: ServiceDefinition<S, Db, Tx, Settings>,
  { env = process.env, database }: BuildOptions<Db> = {},
): ServiceApp<Db, Tx, Settings> {
  const config = loadConfig(definition.name, env, definition.settings);
  // Every line names the instance (payment-2) when several run, the service otherwise.
  const logger = createLogger({ ...config, service: config.instance });
  const readiness: Readiness = database
    ? { database: async () => true, kafka: async () => true }
    : { database: () => app.databaseIsUp(), kafka: () => app.kafka.isUp() };
  const app = buildHttpApp(logger, readiness, {
    title: `${definition.name} service`,
    version: (JSON.parse(readFileSync(join(definition.directory, "package.json"), "utf8")) as { version: string }).version,
    description: definition.description,
  }) as ServiceApp<Db, Tx, Settings>;
  app.decorate("config", config);

  // As a getter: fastify looks into a plain value (for getter/setter keys), which a stand-in may forbid.
  if (database) app.decorate("db", { getter: () => database } as never);
  else {
    const { databaseUrl } = config;
    void app.register(migrationsPlugin, { databaseUrl, serviceDirectory: definition.directory });
    void app.register(databasePlugin, { databaseUrl, createDatabase: definition.createDatabase });
    // The client id is what Kafka (and the viewer's consumer-group table) shows for a member.
    const clientId = config.instance === definition.name ? `${definition.name}-service` : config.instance;
    void app.register(kafkaPlugin, { clientId, brokers: config.kafkaBrokers });
    void app.register(outboxRelayPlugin, { databaseUrl, instance: config.instance });
  }
  const inTransaction: ServiceApp<Db, Tx, Settings>["inTransaction"] = (work) =>
    emittingTransactions({ db: app.db, service: definition.name, logger, beforeCommit: definition.beforeCommit })(work);
  app.decorate("inTransaction", inTransaction);
  // Once the docs plugin and the database have loaded: the document describes every route.
  void app.register(async (child) => definition.routes(child as ServiceApp<Db, Tx, Settings>));
  const { token, participantPort } = config.twoPhaseCommit;
  if (!database && definition.participant && token) {
    void app.register(participantApiPlugin, (parent) => ({
      token,
      host: config.host,
      port: participantPort,
      db: (parent as ServiceApp<Db, Tx, Settings>).db as never,
      definition: definition.participant!(config) as never,
    }));
  }
  if (!database) {
    void app.register(eventConsumerPlugin, (parent) => ({
      service: definition.name,
      member: config.instance,
      db: (parent as ServiceApp<Db, Tx, Settings>).db as never,
      handlers: definition.handlers(config) as never,
      beforeCommit: definition.beforeCommit as never,
    }));
  }
  return app;
}
