// applyMigrations against the real local Postgres: each test gets its own throwaway database.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, throwawayDatabases } from "../../../../test-support/postgres";
import { applyMigrations } from "./migrate";

const tempDirs: string[] = [];
const databases = throwawayDatabases("migrate");
const freshDatabase = async () => (await databases.create()).url;

afterAll(async () => {
  await databases.dropAll();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const INIT = `-- CreateTable
CREATE TABLE "orders" ("id" UUID NOT NULL, "status" TEXT NOT NULL, CONSTRAINT "orders_pkey" PRIMARY KEY ("id"));

-- A plpgsql body full of semicolons: it only survives if the script is sent as one message.
CREATE FUNCTION upper_status() RETURNS trigger AS $$
BEGIN
  NEW.status := upper(NEW.status);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER orders_upper_status BEFORE INSERT ON "orders" FOR EACH ROW EXECUTE FUNCTION upper_status();
`;
const ADD_ITEMS = `CREATE TABLE "items" ("order_id" UUID NOT NULL REFERENCES "orders"("id"), "sku" TEXT NOT NULL);\n`;

function migrationsDir(migrations: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "migrations-"));
  tempDirs.push(dir);
  writeFileSync(join(dir, "migration_lock.toml"), 'provider = "postgresql"\n'); // a file, not a migration
  for (const [name, sql] of Object.entries(migrations)) writeMigration(dir, name, sql);
  return dir;
}

function writeMigration(dir: string, name: string, sql: string) {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, "migration.sql"), sql);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const TWO = { "20240101000000_init": INIT, "20240102000000_add_items": ADD_ITEMS };

async function historyOf(url: string) {
  const { rows } = await sql(url, `SELECT migration_name, checksum, finished_at, logs, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at, migration_name`);
  return rows;
}

test("applies pending migrations in name order, each as one script, and records them like Prisma", async () => {
  const url = await freshDatabase();
  const dir = migrationsDir(TWO);
  const messages: string[] = [];

  const applied = await applyMigrations({ connectionString: url, migrationsDir: dir, log: (msg) => messages.push(msg) });

  expect(applied).toEqual(["20240101000000_init", "20240102000000_add_items"]);
  expect(messages).toEqual(["applied migration 20240101000000_init", "applied migration 20240102000000_add_items"]);
  const { rows } = await sql(url, `INSERT INTO orders VALUES (gen_random_uuid(), 'pending') RETURNING status`);
  expect(rows[0].status).toBe("PENDING"); // the trigger and its function exist and work
  await sql(url, `SELECT * FROM items`);

  const history = await historyOf(url);
  expect(history).toEqual([
    expect.objectContaining({ migration_name: "20240101000000_init", checksum: sha256(INIT), logs: null, rolled_back_at: null, applied_steps_count: 1 }),
    expect.objectContaining({ migration_name: "20240102000000_add_items", checksum: sha256(ADD_ITEMS), logs: null, rolled_back_at: null, applied_steps_count: 1 }),
  ]);
  for (const row of history) expect(row.finished_at).toBeInstanceOf(Date);

  // The bookkeeping table has Prisma's exact columns and types.
  const columns = await sql(url, `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`);
  expect(columns.rows).toEqual([
    { column_name: "id", data_type: "character varying", len: 36, is_nullable: "NO", column_default: null },
    { column_name: "checksum", data_type: "character varying", len: 64, is_nullable: "NO", column_default: null },
    { column_name: "finished_at", data_type: "timestamp with time zone", len: null, is_nullable: "YES", column_default: null },
    { column_name: "migration_name", data_type: "character varying", len: 255, is_nullable: "NO", column_default: null },
    { column_name: "logs", data_type: "text", len: null, is_nullable: "YES", column_default: null },
    { column_name: "rolled_back_at", data_type: "timestamp with time zone", len: null, is_nullable: "YES", column_default: null },
    { column_name: "started_at", data_type: "timestamp with time zone", len: null, is_nullable: "NO", column_default: "now()" },
    { column_name: "applied_steps_count", data_type: "integer", len: null, is_nullable: "NO", column_default: "0" },
  ]);
});

test("a second run applies nothing; a new migration is applied on the next run", async () => {
  const url = await freshDatabase();
  const dir = migrationsDir({ "20240101000000_init": INIT });
  expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual(["20240101000000_init"]);
  expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual([]);

  writeMigration(dir, "20240102000000_add_items", ADD_ITEMS);
  expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual(["20240102000000_add_items"]);
  expect(await historyOf(url)).toHaveLength(2);
});

test("an edited migration is an error, but the same script with Windows line endings is not", async () => {
  const url = await freshDatabase();
  const dir = migrationsDir(TWO);
  await applyMigrations({ connectionString: url, migrationsDir: dir });

  writeMigration(dir, "20240101000000_init", INIT.replace(/\n/g, "\r\n"));
  expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual([]);

  writeMigration(dir, "20240101000000_init", `${INIT}\nALTER TABLE orders ADD COLUMN note TEXT;\n`);
  await expect(applyMigrations({ connectionString: url, migrationsDir: dir })).rejects.toThrow(
    'Migration "20240101000000_init" was edited after it was applied',
  );
});

test("a failing migration is rolled back, recorded, and blocks later runs until resolved", async () => {
  const url = await freshDatabase();
  const dir = migrationsDir({
    "20240101000000_init": INIT,
    "20240102000000_broken": `CREATE TABLE half_done (id INT);\nSELECT * FROM no_such_table;\n`,
    "20240103000000_later": `CREATE TABLE later (id INT);\n`,
  });

  await expect(applyMigrations({ connectionString: url, migrationsDir: dir })).rejects.toThrow(
    'Migration "20240102000000_broken" failed: relation "no_such_table" does not exist (Postgres error 42P01)',
  );
  const history = await historyOf(url);
  expect(history.map((r) => [r.migration_name, r.finished_at === null])).toEqual([
    ["20240101000000_init", false],
    ["20240102000000_broken", true],
  ]);
  expect(history[1].logs).toContain('relation "no_such_table" does not exist');
  // One script = one implicit transaction: the statement before the error was undone too.
  const halfDone = await sql(url, `SELECT to_regclass('half_done') AS t`);
  expect(halfDone.rows[0].t).toBeNull();

  // Fixing the file is not enough: the failure must be resolved first (Prisma's P3009).
  writeMigration(dir, "20240102000000_broken", `CREATE TABLE half_done (id INT);\n`);
  await expect(applyMigrations({ connectionString: url, migrationsDir: dir })).rejects.toThrow(
    'Migration "20240102000000_broken" failed earlier, so no new migrations will be applied',
  );

  // What `prisma migrate resolve --rolled-back` does; then the fixed migration and the rest apply.
  await sql(url, `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE finished_at IS NULL`);
  expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual(["20240102000000_broken", "20240103000000_later"]);
});

test("two instances starting at once on a fresh database apply each migration once", async () => {
  const url = await freshDatabase();
  const dir = migrationsDir(TWO);

  const [first, second] = await Promise.all([
    applyMigrations({ connectionString: url, migrationsDir: dir }),
    applyMigrations({ connectionString: url, migrationsDir: dir }),
  ]);

  expect([...first, ...second].sort()).toEqual(["20240101000000_init", "20240102000000_add_items"]);
  expect(await historyOf(url)).toHaveLength(2);
});
