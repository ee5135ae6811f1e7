// A service's HTTP side as it runs (the kit's app, the docs, the service's routes), over a stub
// database and without Kafka or a port: for unit tests that call `app.inject`.
// Lives outside src/ so it is never compiled into dist.
import type { ServiceName } from "@saga-shop/contracts";
import type { SqlTransaction } from "@saga-shop/messaging";
import { buildServiceApp } from "../src/app";
import type { ServiceApp, ServiceDatabase, ServiceDefinition } from "../src/definition";

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
export function serviceApp<S extends ServiceName, Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction, Settings>(
  definition: ServiceDefinition<S, Db, Tx, Settings>,
  db: object = untouchableDatabase(),
): ServiceApp<Db, Tx, Settings> {
  return buildServiceApp(definition, { env: { LOG_LEVEL: "silent" }, database: db as Db });
}
