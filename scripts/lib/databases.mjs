// The Postgres of a root command and the databases on it: one database and one role per
// service, each role owning only its own database, and nobody else allowed to connect to it.
// By default the command's own cluster (postgres.mjs); PG_ADMIN_URL names an existing server
// instead (a superuser's URL), for a machine that has one it wants used.
import { createRequire } from "node:module";
import { join } from "node:path";
import { postgresCluster } from "./postgres.mjs";
import { root, services } from "./run.mjs";

const { Client } = createRequire(join(root, "package.json"))("pg");

export const databaseName = (service, prefix = "") => `${prefix}${service}_service`;
export const databaseUrl = (adminUrl, service, prefix = "") => {
  const name = databaseName(service, prefix);
  const url = new URL(adminUrl);
  return `postgresql://${name}:${name}@${url.host}/${name}`;
};

/** The server a command uses: `start()` starts its own cluster (unless PG_ADMIN_URL), `stop()` stops only that. */
export function databaseServer(environment) {
  const external = process.env.PG_ADMIN_URL;
  if (external) {
    return { own: false, cluster: null, adminUrl: external, describe: `the server at PG_ADMIN_URL (${new URL(external).host})`, start: () => false, stop: () => false };
  }
  const cluster = postgresCluster({ name: environment.name, port: environment.postgresPort });
  return {
    own: true,
    cluster,
    get adminUrl() {
      return cluster.adminUrl;
    },
    describe: `its own cluster on 127.0.0.1:${environment.postgresPort}`,
    start: (extra) => cluster.start(extra),
    stop: () => cluster.stop(),
  };
}

async function canConnect(adminUrl) {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Rolls back the prepared transactions (two-phase commit, in doubt) a database still holds: a
 * database cannot be dropped while it has some, and only a session in it can end them.
 */
async function rollBackInDoubt(adminUrl, database) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  try {
    await client.connect();
  } catch {
    return; // no such database yet
  }
  try {
    const { rows } = await client.query("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()");
    for (const { gid } of rows) await client.query(`ROLLBACK PREPARED '${gid.replaceAll("'", "''")}'`);
  } finally {
    await client.end();
  }
}

/** Creates each service's role and database if missing; `fresh` drops them first (tests). */
export async function prepareDatabases(adminUrl, { prefix = "", fresh = false } = {}) {
  if (!(await canConnect(adminUrl))) throw new Error(`cannot connect to Postgres at ${new URL(adminUrl).host} as ${new URL(adminUrl).username}`);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const service of services) {
      const name = databaseName(service, prefix);
      if (fresh) {
        await rollBackInDoubt(adminUrl, name);
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
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
  return Object.fromEntries(services.map((s) => [s, databaseUrl(adminUrl, s, prefix)]));
}
