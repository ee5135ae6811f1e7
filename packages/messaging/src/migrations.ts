import { join } from "node:path";

/**
 * The mechanism's own tables (outbox, processed_events, the trigger that wakes the relay), as
 * migrations this package owns. Every service applies them before its own (service-kit's
 * migrations plugin), bookkept in a table of their own.
 */
export const messagingMigrations = {
  migrationsDir: join(__dirname, "..", "migrations"),
  table: "_messaging_migrations",
};

/** The same tables as Prisma models, for the drift check (no client is generated from it). */
export const messagingSchema = join(__dirname, "..", "prisma", "messaging.prisma");
