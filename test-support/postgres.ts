// The Postgres server of the test run, and throwaway databases on it for integration tests.
import { Client } from "pg";

/**
 * A superuser's URL for the server the root command prepared (`pnpm test` passes its own
 * cluster's; PG_ADMIN_URL names another server when the user chose one).
 */
export function adminUrl(): string {
  const url = process.env.PG_ADMIN_URL;
  if (!url) throw new Error("PG_ADMIN_URL is not set: run the tests with `pnpm test` (it starts their Postgres cluster)");
  return url;
}

/** The same server and superuser, another database. */
export function adminUrlOf(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

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
      await sql(adminUrlOf("postgres"), `CREATE DATABASE "${name}"`);
      created.push(name);
      const url = adminUrlOf(name);
      if (setupSql) await sql(url, setupSql);
      return { name, url };
    },
    async dropAll(): Promise<void> {
      for (const name of created.splice(0)) await sql(adminUrlOf("postgres"), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
