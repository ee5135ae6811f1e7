// Local Postgres for `pnpm start` and the tests: one database and one role per service,
// each role owning only its own database, and nobody else allowed to connect to it.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { root, run, services } from "./run.mjs";

const { Client } = createRequire(join(root, "package.json"))("pg");
export const adminUrl = process.env.PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export const databaseName = (service, prefix = "") => `${prefix}${service}_service`;
export const databaseUrl = (service, prefix = "") => {
  const name = databaseName(service, prefix);
  const url = new URL(adminUrl);
  return `postgresql://${name}:${name}@${url.host}/${name}`;
};

async function canConnect() {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts this machine's Debian Postgres cluster if it is installed and down. */
export async function ensurePostgres() {
  if (await canConnect()) return;
  const versions = existsSync("/etc/postgresql") ? readdirSync("/etc/postgresql") : [];
  if (versions.length === 0) throw new Error(`cannot reach Postgres at ${adminUrl} and no local cluster to start`);
  console.log(`starting Postgres ${versions[0]}...`);
  run("pg_ctlcluster", ["--skip-systemctl-redirect", versions[0], "main", "start"]);
  for (let i = 0; i < 30 && !(await canConnect()); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await canConnect())) throw new Error(`Postgres did not come up at ${adminUrl}`);
}

/** Creates each service's role and database if missing; `fresh` drops them first (tests). */
export async function prepareDatabases({ prefix = "", fresh = false } = {}) {
  await ensurePostgres();
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const service of services) {
      const name = databaseName(service, prefix);
      if (fresh) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
      if (role.rowCount === 0) await admin.query(`CREATE ROLE "${name}" LOGIN PASSWORD '${name}'`);
      const db = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (db.rowCount === 0) await admin.query(`CREATE DATABASE "${name}" OWNER "${name}"`);
      // Only the owning service may connect: no service can read another's tables.
      await admin.query(`REVOKE ALL ON DATABASE "${name}" FROM PUBLIC`);
    }
  } finally {
    await admin.end();
  }
  return Object.fromEntries(services.map((s) => [s, databaseUrl(s, prefix)]));
}
