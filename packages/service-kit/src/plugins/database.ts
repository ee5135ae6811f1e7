import { PrismaPg } from "@prisma/adapter-pg";
import fp from "fastify-plugin";
import type { Logger } from "pino";
import { createPool } from "../database/pool";

/** What this plugin needs of the service's Prisma client: a probe, and a way to close it. */
interface DatabaseClient {
  $queryRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<unknown>;
  $disconnect(): Promise<void>;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Does the database answer? (readiness, and the consumer's outage check) */
    databaseIsUp(): Promise<boolean>;
  }
}

/**
 * The service's database: a pg pool that survives a Postgres restart, and the service's Prisma
 * client over it, as `app.db`. Closed last but one (the pool last), when the app closes.
 */
export const databasePlugin = fp<{ databaseUrl: string; createDatabase(adapter: PrismaPg): DatabaseClient }>(
  async (app, { databaseUrl, createDatabase }) => {
    const pool = createPool(databaseUrl, 10, app.log as Logger);
    const db = createDatabase(new PrismaPg(pool));
    app.decorate("db", db);
    app.decorate("databaseIsUp", async () => {
      try {
        await db.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    });
    app.addHook("onClose", async () => {
      await db.$disconnect();
      await pool.end().catch(() => undefined);
    });
  },
  { name: "database", dependencies: ["migrations"] },
);
