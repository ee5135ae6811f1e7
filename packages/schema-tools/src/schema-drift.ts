// Compares a service's prisma/schema.prisma (with the messaging package's messaging.prisma: the
// tables every service database also has) with its live database and lists the differences
// ("drift"), so a test can prove that the committed migrations build exactly the schema that
// Prisma Client was generated from. Prisma's own `migrate diff` needs the native engine, which
// cannot be downloaded here, so we read the schema with Prisma's own WebAssembly parser (the
// one the prisma CLI uses, pinned to the same engine version) and the database's catalog.
// It checks what our services use: tables, columns (type and nullability), primary keys,
// unique and plain indexes, foreign keys and enums — not defaults, index names or sort order.
import { readFileSync } from "node:fs";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import { Client } from "pg";

// The parts of Prisma's DMMF ("data model meta format") that we read.
type Field = {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
};
type Model = { name: string; dbName: string | null; fields: Field[] };
type Enum = { name: string; dbName?: string | null; values: { name: string; dbName: string | null }[] };
type Index = { model: string; type: "id" | "unique" | "normal" | "fulltext"; fields: { name: string }[] };
type Datamodel = { models: Model[]; enums: Enum[]; indexes: Index[] };

// Column types as Postgres's format_type() prints them: Prisma's default for each scalar type,
// and for each @db.X native type ("#" stands for the arguments, e.g. "(200)").
const DEFAULT_TYPES: Record<string, string> = {
  String: "text", Boolean: "boolean", Int: "integer", BigInt: "bigint", Float: "double precision",
  Decimal: "numeric(65,30)", DateTime: "timestamp(3) without time zone", Json: "jsonb", Bytes: "bytea",
};
const NATIVE_TYPES: Record<string, string> = {
  Text: "text", VarChar: "character varying#", Char: "character#", Uuid: "uuid", Xml: "xml", Inet: "inet",
  Citext: "citext", Bit: "bit#", VarBit: "bit varying#", SmallInt: "smallint", Integer: "integer",
  BigInt: "bigint", Oid: "oid", DoublePrecision: "double precision", Real: "real", Decimal: "numeric#",
  Money: "money", Timestamp: "timestamp# without time zone", Timestamptz: "timestamp# with time zone",
  Date: "date", Time: "time# without time zone", Timetz: "time# with time zone", Json: "json",
  JsonB: "jsonb", ByteA: "bytea", Boolean: "boolean",
};

function expectedType(field: Field, enums: Enum[]): string {
  let type: string;
  if (field.kind === "enum") {
    const e = enums.find((x) => x.name === field.type);
    type = e?.dbName ?? field.type;
  } else if (field.nativeType) {
    const [name, args] = field.nativeType;
    type = (NATIVE_TYPES[name] ?? name.toLowerCase()).replace("#", args.length ? `(${args.join(",")})` : "");
  } else {
    type = DEFAULT_TYPES[field.type] ?? field.type;
  }
  return field.isList ? `${type}[]` : type;
}

/** One datamodel from several schema files, as Prisma reads a multi-file schema. */
export function parseSchema(schemaPaths: readonly string[]): Datamodel {
  const schemaPath = schemaPaths.join(" + ");
  try {
    const files = schemaPaths.map((path) => [path, readFileSync(path, "utf8")]);
    const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: files, noColor: true })));
    return dmmf.datamodel as Datamodel;
  } catch (err) {
    // Validation errors come back as JSON: { error_code, message }.
    const message = (err as Error).message;
    let detail = message;
    try { detail = JSON.parse(message).message ?? message; } catch { /* not JSON */ }
    throw new Error(`${schemaPath} is not a valid Prisma schema:\n${detail}`);
  }
}

type Column = { type: string; nullable: boolean };
type Database = { tables: Map<string, Map<string, Column>>; enums: Map<string, string[]>; keys: Map<string, string[]> };

async function readDatabase(connectionString: string): Promise<Database> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const columns = await client.query<{ table: string; column: string | null; type: string; nullable: boolean }>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('_prisma_migrations', '_messaging_migrations')
      ORDER BY c.relname, a.attnum`);
    const enums = await client.query<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = 'public' GROUP BY t.typname`);
    // Every index (primary keys and unique constraints are indexes too) and every foreign key,
    // each with its columns in order.
    const keys = await client.query<{ table: string; kind: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null }>(`
      SELECT c.relname AS table,
             CASE WHEN i.indisprimary THEN 'primary key' WHEN i.indisunique THEN 'unique index' ELSE 'index' END AS kind,
             ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, pos)
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.num
                   WHERE k.pos <= i.indnkeyatts ORDER BY k.pos) AS columns,
             NULL AS ref_table, NULL AS ref_columns
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public'
      UNION ALL
      SELECT c.relname, 'foreign key',
             ARRAY(SELECT a.attname::text FROM unnest(f.conkey) WITH ORDINALITY k(num, pos)
                   JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.num ORDER BY k.pos),
             r.relname::text,
             ARRAY(SELECT a.attname::text FROM unnest(f.confkey) WITH ORDINALITY k(num, pos)
                   JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.num ORDER BY k.pos)
      FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND f.contype = 'f'`);

    const db: Database = { tables: new Map(), enums: new Map(), keys: new Map() };
    for (const row of columns.rows) {
      const table = db.tables.get(row.table) ?? new Map<string, Column>();
      db.tables.set(row.table, table);
      // format_type() quotes names such as "OrderStatus"; compare them unquoted.
      if (row.column !== null) table.set(row.column, { type: row.type.replace(/"/g, ""), nullable: row.nullable });
    }
    for (const row of enums.rows) db.enums.set(row.name, row.values);
    for (const row of keys.rows) {
      const ref = row.ref_table === null ? "" : ` references "${row.ref_table}" (${row.ref_columns?.join(", ")})`;
      db.keys.set(row.table, [...(db.keys.get(row.table) ?? []), `${row.kind} (${row.columns.join(", ")})${ref}`]);
    }
    return db;
  } finally {
    await client.end();
  }
}

export async function findSchemaDrift(opts: { schemaPaths: readonly string[]; connectionString: string }): Promise<string[]> {
  const datamodel = parseSchema(opts.schemaPaths);
  const db = await readDatabase(opts.connectionString);
  const drift: string[] = [];

  // Enums: same type name (@@map), same values (@map) in the same order.
  const enumNames = datamodel.enums.map((e) => e.dbName ?? e.name);
  for (const e of datamodel.enums) {
    const name = e.dbName ?? e.name;
    const wanted = e.values.map((v) => v.dbName ?? v.name);
    const actual = db.enums.get(name);
    if (!actual) drift.push(`enum "${name}" is missing in the database`);
    else if (actual.join() !== wanted.join()) {
      drift.push(`enum "${name}" has values (${actual.join(", ")}) in the database but (${wanted.join(", ")}) in schema.prisma`);
    }
  }
  for (const name of db.enums.keys()) {
    if (!enumNames.includes(name)) drift.push(`enum "${name}" exists in the database but not in schema.prisma`);
  }

  // Tables (@@map) and their columns (@map). Relation fields are not columns; their foreign key
  // columns are ordinary scalar fields. (Implicit many-to-many join tables are not supported:
  // use an explicit relation model.)
  const tableOf = (modelName: string) => {
    const model = datamodel.models.find((m) => m.name === modelName);
    return model?.dbName ?? modelName;
  };
  for (const model of datamodel.models) {
    const table = tableOf(model.name);
    const columns = db.tables.get(table);
    if (!columns) {
      drift.push(`table "${table}" (model ${model.name}) is missing in the database`);
      continue;
    }
    const scalars = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
    const columnOf = (fieldName: string, m: Model = model) => {
      const field = m.fields.find((f) => f.name === fieldName);
      return field?.dbName ?? fieldName;
    };
    for (const field of scalars) {
      const name = field.dbName ?? field.name;
      const column = columns.get(name);
      if (!column) {
        drift.push(`table "${table}": column "${name}" is missing in the database`);
        continue;
      }
      // Prisma creates list columns (String[]) without NOT NULL, even though a list is never null.
      const nullable = !field.isRequired || field.isList;
      if (column.nullable && !nullable) drift.push(`table "${table}": column "${name}" is nullable in the database but required in schema.prisma`);
      if (!column.nullable && nullable) drift.push(`table "${table}": column "${name}" is NOT NULL in the database but optional in schema.prisma`);
      const type = expectedType(field, datamodel.enums);
      if (column.type !== type) drift.push(`table "${table}": column "${name}" has type ${column.type} in the database but ${type} in schema.prisma`);
    }
    const fieldColumns = scalars.map((f) => f.dbName ?? f.name);
    for (const name of columns.keys()) {
      if (!fieldColumns.includes(name)) drift.push(`table "${table}": column "${name}" exists in the database but not in schema.prisma`);
    }

    // Keys and indexes, described the same way as readDatabase() describes the database's.
    const KIND = { id: "primary key", unique: "unique index", normal: "index", fulltext: "fulltext index" };
    const wanted = datamodel.indexes
      .filter((i) => i.model === model.name)
      .map((i) => `${KIND[i.type]} (${i.fields.map((f) => columnOf(f.name)).join(", ")})`);
    for (const field of model.fields) {
      if (field.kind !== "object" || !field.relationFromFields?.length) continue;
      const target = datamodel.models.find((m) => m.name === field.type);
      const from = field.relationFromFields.map((f) => columnOf(f));
      const to = (field.relationToFields ?? []).map((f) => (target ? columnOf(f, target) : f));
      wanted.push(`foreign key (${from.join(", ")}) references "${tableOf(field.type)}" (${to.join(", ")})`);
    }
    const actual = [...(db.keys.get(table) ?? [])];
    for (const key of wanted) {
      const i = actual.indexOf(key);
      if (i >= 0) actual.splice(i, 1);
      else drift.push(`table "${table}": ${key} is missing in the database`);
    }
    for (const key of actual) drift.push(`table "${table}": ${key} exists in the database but not in schema.prisma`);
  }

  // Tables that no model describes (the two migrations bookkeeping tables were left out above).
  const modelTables = datamodel.models.map((m) => tableOf(m.name));
  for (const table of db.tables.keys()) {
    if (!modelTables.includes(table)) drift.push(`table "${table}" exists in the database but not in schema.prisma`);
  }
  return drift;
}
