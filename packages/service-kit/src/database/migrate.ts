// Applies the committed Prisma migrations (prisma/migrations/<name>/migration.sql) the way
// `prisma migrate deploy` does on Postgres. Prisma's CLI cannot download its native schema
// engine here, so we do its (small) job ourselves — with the same lock, the same bookkeeping
// table and the same checksums, so a later real `prisma migrate deploy` sees nothing unusual.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";

// Prisma's own advisory lock key: several instances starting at once (or a real Prisma CLI)
// wait for each other instead of applying the same migration twice.
const PRISMA_MIGRATE_LOCK = 72707369;

// Exactly the table Prisma creates, so both tools can read and write it.
const createMigrationsTable = (table: string) => `CREATE TABLE IF NOT EXISTS "${table}" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// Like Prisma, accept a checksum taken with the other line endings (git may convert them).
const sameScript = (script: string, checksum: string) =>
  [script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")].some((s) => sha256(s) === checksum);

export async function applyMigrations(opts: {
  connectionString: string;
  migrationsDir: string;
  /**
   * The bookkeeping table: Prisma's own for a service's migrations; another for the messaging
   * package's (messagingMigrations), so that neither history sees the other's scripts.
   */
  table?: string;
  log?: (msg: string, extra?: object) => void;
}): Promise<string[]> {
  const table = opts.table ?? "_prisma_migrations";
  const log = opts.log ?? (() => {});
  // One folder per migration, applied in name order (the names start with a timestamp).
  // Plain files such as migration_lock.toml are not migrations.
  const names = readdirSync(opts.migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  const client = new Client({ connectionString: opts.connectionString });
  await client.connect();
  try {
    // A session lock (not a transaction lock), because every script runs in its own transaction.
    // It is released when the connection closes, even if we crash.
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    await client.query(createMigrationsTable(table));
    // Rows marked rolled back (`prisma migrate resolve --rolled-back`) no longer count.
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "${table}" WHERE rolled_back_at IS NULL`,
    );

    // Like Prisma's P3009: never build on top of a migration that failed halfway.
    const failed = rows.find((row) => row.finished_at === null);
    if (failed) {
      throw new Error(
        `Migration "${failed.migration_name}" failed earlier, so no new migrations will be applied. ` +
          `Fix the database by hand, then mark the migration as rolled back (\`prisma migrate resolve --rolled-back ${failed.migration_name}\`, ` +
          `or UPDATE "${table}" SET rolled_back_at = now() WHERE migration_name = '${failed.migration_name}' AND finished_at IS NULL).`,
      );
    }

    const appliedNow: string[] = [];
    for (const name of names) {
      const script = readFileSync(join(opts.migrationsDir, name, "migration.sql"), "utf8");
      const applied = rows.find((row) => row.migration_name === name);
      if (applied) {
        // The committed migrations are the history of the database: editing one is an error.
        if (!sameScript(script, applied.checksum)) {
          throw new Error(`Migration "${name}" was edited after it was applied (its checksum changed). Add a new migration instead.`);
        }
        continue;
      }

      const id = randomUUID();
      await client.query(`INSERT INTO "${table}" (id, checksum, migration_name) VALUES ($1, $2, $3)`, [id, sha256(script), name]);
      try {
        // No parameters: pg sends the whole script as ONE simple-query message, so Postgres
        // parses it itself ($$ function bodies stay intact) and runs it in one implicit
        // transaction (a failing script leaves nothing half-applied).
        await client.query(script);
      } catch (err) {
        const e = err as { message: string; code?: string };
        await client.query("ROLLBACK"); // in case the script opened its own transaction; harmless otherwise
        const logs = `Migration name: ${name}\n\nDatabase error code: ${e.code}\n\nDatabase error:\n${e.message}`;
        await client.query(`UPDATE "${table}" SET logs = $2 WHERE id = $1`, [id, logs]);
        throw new Error(`Migration "${name}" failed: ${e.message} (Postgres error ${e.code})`);
      }
      await client.query(
        `UPDATE "${table}" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
        [id],
      );
      log(`applied migration ${name}`, { migration: name });
      appliedNow.push(name);
    }
    return appliedNow;
  } finally {
    await client.end(); // also releases the advisory lock
  }
}
