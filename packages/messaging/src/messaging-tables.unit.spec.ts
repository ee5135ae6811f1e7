import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// Every service keeps the messaging tables in its own database, so each carries a copy of
// their SQL (first migration) and their Prisma models (schema.prisma). The copies must not drift.

const root = join(__dirname, "..", "..", "..");
const read = (...path: string[]) => readFileSync(join(root, ...path), "utf8");
const tablesSql = read("packages/messaging/sql/messaging-tables.sql");
const models = read("packages/messaging/sql/messaging-models.prisma");
const services = readdirSync(join(root, "services"));

test("there are four services to check", () => {
  expect(services.sort()).toEqual(["delivery", "order", "payment", "user"]);
});

test.each(services)("%s: its first migration creates the messaging tables verbatim", (service) => {
  const migrations = readdirSync(join(root, "services", service, "prisma", "migrations")).filter((m) => !m.endsWith(".toml"));
  const first = read("services", service, "prisma", "migrations", migrations.sort()[0]!, "migration.sql");
  expect(first).toContain(tablesSql);
});

test.each(services)("%s: schema.prisma declares the messaging models verbatim", (service) => {
  expect(read("services", service, "prisma", "schema.prisma")).toContain(models);
});
