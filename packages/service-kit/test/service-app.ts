// A service's HTTP side as `startService` builds it (the kit's app, the docs, the service's
// routes), without Kafka, a database or a port: for unit tests that call `app.inject`.
// Lives outside src/ so it is never compiled into dist.
import type { SqlTransaction } from "@saga-shop/messaging";
import { loadConfig } from "../src/config";
import type { HttpApp } from "../src/http";
import { createLogger } from "../src/logger";
import { buildServiceHttp, type ServiceDatabase, type ServiceDefinition } from "../src/run-service";

/** A database that fails the test on any use: for what must not touch the database. */
export function untouchableDatabase(): object {
  return new Proxy(
    {},
    {
      get(_target, member) {
        throw new Error(`the database was used (${String(member)}) where nothing should touch it`);
      },
    },
  );
}

/**
 * The service's app over `db`, a stub with just the members the routes under test call
 * (`{ order: { findUnique: async () => row } }`); by default one that must not be touched.
 */
export function serviceApp<Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction>(
  definition: ServiceDefinition<Db, Tx>,
  db: object = untouchableDatabase(),
): HttpApp {
  const config = { ...loadConfig(definition.name, definition.defaultPort, {}), logLevel: "silent" };
  const context = { db: db as Db, config, logger: createLogger(config), env: {} };
  return buildServiceHttp(definition, context, { database: async () => true, kafka: async () => true });
}
