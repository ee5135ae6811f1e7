// Throwaway databases on the local Postgres server, for integration tests.
import { Client } from "pg";

export const PG_SERVER = process.env.PG_TEST_SERVER ?? "postgresql://postgres@127.0.0.1:5432";

/** Runs SQL (one script, one message, so plpgsql bodies keep their semicolons) on its own connection. */
export async function sql(url: string, text: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Creates uniquely named databases for one test file and drops them all at the end. */
export function throwawayDatabases(label: string) {
  const created: string[] = [];
  const unique = `${process.pid}_${Date.now().toString(36)}`;
  return {
    async create(setupSql?: string): Promise<{ name: string; url: string }> {
      const name = `saga_test_${label}_${unique}_${created.length}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
      await sql(`${PG_SERVER}/postgres`, `CREATE DATABASE "${name}"`);
      created.push(name);
      const url = `${PG_SERVER}/${name}`;
      if (setupSql) await sql(url, setupSql);
      return { name, url };
    },
    async dropAll(): Promise<void> {
      for (const name of created.splice(0)) await sql(`${PG_SERVER}/postgres`, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
