import { PrismaPg } from "@prisma/adapter-pg";
import { topicOf, type ServiceName } from "@saga-shop/contracts";
import {
  createKafka,
  createProducer,
  messagingMigrations,
  startEventConsumer,
  startOutboxRelay,
  type BeforeCommit,
  type EventHandlers,
  type SqlTransaction,
  type TransactionRunner,
} from "@saga-shop/messaging";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { loadConfig, type Env, type ServiceConfig } from "./config";
import { applyMigrations } from "./database/migrate";
import { createPool } from "./database/pool";
import { buildHttpApp, type HttpApp, type Readiness } from "./http";
import { createLogger } from "./logger";

/** What a generated Prisma client offers that the kit relies on. */
export interface ServiceDatabase<Tx extends SqlTransaction> extends TransactionRunner<Tx> {
  $queryRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<unknown>;
  $disconnect(): Promise<void>;
}

export interface ServiceContext<Db> {
  db: Db;
  config: ServiceConfig;
  logger: Logger;
  env: Env;
}

/** A service is its domain: a database, the events it reacts to, and its HTTP routes. */
export interface ServiceDefinition<Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction> {
  name: ServiceName;
  /** One sentence on what the service does: its OpenAPI document's description. */
  description?: string;
  defaultPort: number;
  /** The service's folder; its migrations are in `prisma/migrations`. */
  directory: string;
  createDatabase(adapter: PrismaPg): Db;
  /** The services whose events this one reacts to. */
  consumes: ServiceName[];
  handlers(context: ServiceContext<Db>): EventHandlers<Tx>;
  /** Called once in each event-handling transaction with the events handled and emitted in it. */
  beforeCommit?: BeforeCommit<Tx>;
  routes(app: HttpApp, context: ServiceContext<Db>): void;
}

export interface RunningService {
  app: HttpApp;
  url: string;
  stop(): Promise<void>;
}

/** Migrates, connects, and starts relay, consumer and HTTP; `stop` undoes it in reverse. */
export async function startService<Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction>(
  definition: ServiceDefinition<Db, Tx>,
  env: Env = process.env,
): Promise<RunningService> {
  const config = loadConfig(definition.name, definition.defaultPort, env);
  const logger = createLogger(config);
  const log = (msg: string, extra?: object) => logger.info(extra ?? {}, msg);
  // The mechanism's tables first (the messaging package owns them), then the service's own.
  await applyMigrations({ connectionString: config.databaseUrl, ...messagingMigrations, log });
  await applyMigrations({
    connectionString: config.databaseUrl,
    migrationsDir: join(definition.directory, "prisma", "migrations"),
    log,
  });

  const pool = createPool(config.databaseUrl, 10, logger);
  const db = definition.createDatabase(new PrismaPg(pool));

  const kafka = createKafka({ clientId: `${config.service}-service`, brokers: config.kafkaBrokers, logger });
  const producer = createProducer(kafka);
  await producer.connect();
  const admin = kafka.admin();
  await admin.connect();

  const databaseIsUp = async () => {
    try {
      await db.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  };
  const context: ServiceContext<Db> = { db, config, logger, env };

  const relay = startOutboxRelay({ connectionString: config.databaseUrl, producer, logger });
  const consumer = await startEventConsumer(
    kafka,
    definition.consumes.map(topicOf),
    {
      service: config.service,
      db,
      handlers: definition.handlers(context),
      beforeCommit: definition.beforeCommit,
      producer,
      logger,
      databaseIsUp,
    },
    (error) => {
      // kafkajs gave up on the consumer; exit so the supervisor restarts us with a fresh one.
      logger.fatal({ err: error }, "Kafka consumer crashed and will not restart; exiting");
      process.exit(1);
    },
  );

  const app = buildServiceHttp(definition, context, {
    database: databaseIsUp,
    kafka: () => withTimeout(admin.describeCluster().then(() => true), 2000),
  });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url }, `${config.service} service ready`);

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop: () =>
      (stopping ??= (async () => {
        logger.info("stopping: no new requests, finishing in-flight work");
        await app.close();
        await consumer.stop();
        await relay.drain();
        await relay.stop();
        await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
        await db.$disconnect();
        await pool.end().catch(() => undefined);
        logger.info("stopped");
      })()),
  };
}

/**
 * A service's HTTP side, without listening: the kit's app (errors, health, the OpenAPI document
 * and Swagger UI under /docs, titled with the service's name) with the service's routes on it.
 */
export function buildServiceHttp<Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction>(
  definition: ServiceDefinition<Db, Tx>,
  context: ServiceContext<Db>,
  readiness: Readiness,
): HttpApp {
  const app = buildHttpApp(context.logger, readiness, {
    title: `${definition.name} service`,
    version: packageVersion(definition.directory),
    description: definition.description,
  });
  // Once the docs plugin has loaded, so that the document describes every route.
  app.after(() => definition.routes(app, context));
  return app;
}

const packageVersion = (directory: string): string =>
  (JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { version: string }).version;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The process around a service: start it, and stop it gracefully on SIGTERM or Ctrl-C. */
export function runService<Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction>(
  definition: ServiceDefinition<Db, Tx>,
): void {
  startService(definition).then(
    (service) => {
      const shutdown = (signal: string) => {
        service.app.log.info({ signal }, "shutdown requested");
        setTimeout(() => process.exit(1), 20_000).unref();
        service.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    },
    (error) => {
      console.error(`${definition.name} service failed to start:`, error);
      process.exit(1);
    },
  );
}
