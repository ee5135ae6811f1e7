import { messagingMigrations } from "@saga-shop/messaging";
import fp from "fastify-plugin";
import { join } from "node:path";
import { applyMigrations } from "../database/migrate";

/** Brings the database up to date before anything uses it: the mechanism's tables, then the service's. */
export const migrationsPlugin = fp<{ databaseUrl: string; serviceDirectory: string }>(
  async (app, { databaseUrl, serviceDirectory }) => {
    const log = (msg: string, extra?: object) => app.log.info(extra ?? {}, msg);
    await applyMigrations({ connectionString: databaseUrl, ...messagingMigrations, log });
    await applyMigrations({ connectionString: databaseUrl, migrationsDir: join(serviceDirectory, "prisma", "migrations"), log });
  },
  { name: "migrations" },
);
