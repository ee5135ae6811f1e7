import { Client } from "pg";
import { adminUrlOf } from "../../test-support/postgres";
import { serviceNames, type ServiceName } from "../../e2e/support/system";
import { chaosEnv } from "./env";

// The services' databases as the suite checks them: read directly, as the Postgres superuser,
// so the checks do not depend on the services being up or on their APIs telling the truth.

export const databaseName = (service: ServiceName) => `${chaosEnv.dbPrefix}${service}_service`;
const urlOf = (service: ServiceName) => adminUrlOf(databaseName(service));

/** One short-lived superuser connection per call: survives a Postgres restart between calls. */
export async function sql<T = any>(service: ServiceName, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: urlOf(service), connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function unsentOutboxRows(): Promise<Record<ServiceName, number>> {
  const out = {} as Record<ServiceName, number>;
  for (const service of serviceNames) {
    out[service] = (await sql(service, "SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL"))[0].n;
  }
  return out;
}

/** Prepared transactions (two-phase commits in doubt) in each database, and the coordinator's unfinished ones. */
export async function inDoubt(): Promise<Record<ServiceName, number> & { unfinished: number }> {
  const out = {} as Record<ServiceName, number> & { unfinished: number };
  for (const service of serviceNames) {
    out[service] = (await sql(service, "SELECT count(*)::int AS n FROM pg_prepared_xacts WHERE database = current_database()"))[0].n;
  }
  out.unfinished = (await sql("order", "SELECT count(*)::int AS n FROM two_phase_commits WHERE completed_at IS NULL"))[0].n;
  return out;
}

/** Every row of every table of one database, keyed by primary key, as JSON text. */
export type Snapshot = Record<string, Map<string, string>>;

export async function snapshot(service: ServiceName): Promise<Snapshot> {
  const tables = await sql<{ table: string; pk: string[] }>(
    service,
    `SELECT c.relname AS table,
            array_agg(a.attname::text ORDER BY array_position(i.indkey, a.attnum)) AS pk
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
     WHERE c.relkind = 'r'
     GROUP BY c.relname`,
  );
  const out: Snapshot = {};
  for (const { table, pk } of tables) {
    const key = pk.map((column) => `t."${column}"::text`).join(" || '|' || ");
    const rows = await sql<{ k: string; j: string }>(service, `SELECT ${key} AS k, row_to_json(t)::text AS j FROM "${table}" t`);
    out[table] = new Map(rows.map((row) => [row.k, row.j]));
  }
  return out;
}

export async function snapshotAll(): Promise<Record<ServiceName, Snapshot>> {
  const out = {} as Record<ServiceName, Snapshot>;
  for (const service of serviceNames) out[service] = await snapshot(service);
  return out;
}

export interface RowChange {
  service: ServiceName;
  table: string;
  key: string;
  before?: string;
  after?: string;
}

/** Rows added, removed or changed between two snapshots. */
export function diff(before: Record<ServiceName, Snapshot>, after: Record<ServiceName, Snapshot>): RowChange[] {
  const changes: RowChange[] = [];
  for (const service of serviceNames) {
    const tables = new Set([...Object.keys(before[service]), ...Object.keys(after[service])]);
    for (const table of tables) {
      const a = before[service][table] ?? new Map<string, string>();
      const b = after[service][table] ?? new Map<string, string>();
      for (const [key, row] of a) if (b.get(key) !== row) changes.push({ service, table, key, before: row, after: b.get(key) });
      for (const [key, row] of b) if (!a.has(key)) changes.push({ service, table, key, after: row });
    }
  }
  return changes;
}

export const rowCount = (snapshots: Record<ServiceName, Snapshot>) =>
  serviceNames.reduce((sum, s) => sum + Object.values(snapshots[s]).reduce((n, rows) => n + rows.size, 0), 0);
