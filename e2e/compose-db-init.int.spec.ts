// Runs infra/postgres/init-service-role.sh, which each compose Postgres container runs once on an
// empty volume, against a real Postgres server (PG_ADMIN_URL, a superuser), the way the image
// does: psql, as the superuser, with SERVICE_USER, SERVICE_PASSWORD and SERVICE_DB set. Then
// checks the role it made from the role's own side. Everything it creates is dropped at the end.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join } from "node:path";
import { Client } from "pg";

const root = join(__dirname, "..");
const adminUrl = new URL(process.env.PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
const unique = `${process.pid}_${Date.now().toString(36)}`;
// Named like the compose ones (<svc>_service), but unique: the server may be shared.
const role = `compose_init_${unique}_service`;
const password = role;
const database = role;
const outsider = `compose_init_${unique}_outsider`;

function urlOf(user: string, secret: string, db: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = secret;
  url.pathname = `/${db}`;
  return url.toString();
}

async function query(url: string, text: string, values: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

let run: SpawnSyncReturns<string>;

beforeAll(() => {
  const superuser = decodeURIComponent(adminUrl.username) || "postgres";
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    PGHOST: adminUrl.hostname,
    PGPORT: adminUrl.port || "5432",
    POSTGRES_USER: superuser,
    POSTGRES_DB: decodeURIComponent(adminUrl.pathname.slice(1)) || superuser,
    SERVICE_USER: role,
    SERVICE_PASSWORD: password,
    SERVICE_DB: database,
  };
  if (adminUrl.password) env.PGPASSWORD = decodeURIComponent(adminUrl.password);
  run = spawnSync("bash", [join(root, "infra", "postgres", "init-service-role.sh")], { env, encoding: "utf8", timeout: 30_000 });
});

afterAll(async () => {
  // The *_other ones exist only if the role could create them, which a test then reports.
  for (const db of [database, `${database}_other`]) await query(adminUrl.href, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  for (const name of [`${role}_other`, role, outsider]) await query(adminUrl.href, `DROP ROLE IF EXISTS "${name}"`);
});

test("the script runs to the end (psql stops at the first error)", () => {
  expect({ status: run.status, error: run.error?.message, stderr: run.stderr }).toEqual({ status: 0, error: undefined, stderr: "" });
});

test("it made a LOGIN role that is no superuser and cannot create roles or databases, owning the database", async () => {
  const roles = await query(
    adminUrl.href,
    "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1",
    [role],
  );
  expect(roles.rows).toEqual([
    { rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false },
  ]);
  const owner = await query(adminUrl.href, "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1", [database]);
  expect(owner.rows).toEqual([{ owner: role }]);
});

test("as itself, the role can build its schema but is refused new roles and databases", async () => {
  const url = urlOf(role, password, database);
  // What the service's migrations need: tables in its database's public schema.
  await query(url, "CREATE TABLE migration_probe (id int PRIMARY KEY)");
  await expect(query(url, `CREATE ROLE "${role}_other"`)).rejects.toThrow(/permission denied/i);
  await expect(query(url, `CREATE DATABASE "${database}_other"`)).rejects.toThrow(/permission denied/i);
  const me = await query(url, "SELECT current_user AS name, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser");
  expect(me.rows).toEqual([{ name: role, superuser: false }]);
});

test("nobody else may connect to its database (CONNECT taken from PUBLIC)", async () => {
  await query(adminUrl.href, `CREATE ROLE "${outsider}" LOGIN PASSWORD '${outsider}'`);
  await expect(query(urlOf(outsider, outsider, database), "SELECT 1")).rejects.toThrow(/permission denied for database/i);
  const publicConnect = await query(adminUrl.href, "SELECT has_database_privilege('public', $1, 'CONNECT') AS allowed", [database]);
  expect(publicConnect.rows).toEqual([{ allowed: false }]);
});
