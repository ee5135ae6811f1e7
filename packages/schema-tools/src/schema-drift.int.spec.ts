// findSchemaDrift against the real local Postgres: each test gets its own throwaway database.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql, throwawayDatabases } from "../../../test-support/postgres";
import { messagingMigrations, messagingSchema } from "@saga-shop/messaging";
import { applyMigrations } from "@saga-shop/service-kit";
import { findSchemaDrift } from "./schema-drift";

const REPO = resolve(__dirname, "../../..");
const tempDir = mkdtempSync(join(tmpdir(), "schema-drift-"));
const databases = throwawayDatabases("drift");
const freshDatabase = async () => (await databases.create()).url;

afterAll(async () => {
  await databases.dropAll();
  rmSync(tempDir, { recursive: true, force: true });
});

// Prisma 7 style: generator "prisma-client" with an output folder, a datasource without url.
const SCHEMA = `
generator client {
  provider = "prisma-client"
  output   = "${join(tempDir, "generated")}"
}

datasource db {
  provider = "postgresql"
}

enum OrderStatus {
  PENDING
  CONFIRMED
  CANCELLED @map("cancelled")
}

model Order {
  id         String       @id @default(uuid()) @db.Uuid
  customerId String       @map("customer_id") @db.Uuid
  status     OrderStatus  @default(PENDING)
  reference  String       @unique @db.VarChar(64)
  total      Decimal      @db.Decimal(12, 2)
  items      Json
  tags       String[]
  note       String?
  createdAt  DateTime     @default(now()) @map("created_at")
  paidAt     DateTime?    @map("paid_at") @db.Timestamptz(3)
  events     OrderEvent[]

  @@index([customerId])
  @@map("orders")
}

model OrderEvent {
  id      BigInt @id @default(autoincrement())
  orderId String @map("order_id") @db.Uuid
  seq     Int
  order   Order  @relation(fields: [orderId], references: [id])

  @@unique([orderId, seq])
  @@map("order_events")
}
`;

// The SQL that \`prisma migrate dev\` writes for SCHEMA.
const MATCHING_SQL = `
CREATE TYPE "OrderStatus" AS ENUM ('PENDING', 'CONFIRMED', 'cancelled');

CREATE TABLE "orders" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'PENDING',
    "reference" VARCHAR(64) NOT NULL,
    "total" DECIMAL(12,2) NOT NULL,
    "items" JSONB NOT NULL,
    "tags" TEXT[],
    "note" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "paid_at" TIMESTAMPTZ(3),
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "order_events" (
    "id" BIGSERIAL NOT NULL,
    "order_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    CONSTRAINT "order_events_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "orders_reference_key" ON "orders"("reference");
CREATE INDEX "orders_customer_id_idx" ON "orders"("customer_id");
CREATE UNIQUE INDEX "order_events_order_id_seq_key" ON "order_events"("order_id", "seq");
ALTER TABLE "order_events" ADD CONSTRAINT "order_events_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`;

const schemaPath = join(tempDir, "schema.prisma");
writeFileSync(schemaPath, SCHEMA);

test("a database built by the matching SQL has no drift", async () => {
  const url = await freshDatabase();
  await sql(url, MATCHING_SQL);
  expect(await findSchemaDrift({ schemaPaths: [schemaPath], connectionString: url })).toEqual([]);
});

test("every kind of difference is reported as a sentence", async () => {
  const url = await freshDatabase();
  await sql(url, MATCHING_SQL);
  await sql(url, `
    ALTER TABLE orders DROP COLUMN note;
    ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL;
    ALTER TABLE orders ALTER COLUMN paid_at SET NOT NULL;
    ALTER TABLE orders ALTER COLUMN reference TYPE TEXT;
    ALTER TABLE orders ADD COLUMN legacy TEXT;
    DROP INDEX orders_customer_id_idx;
    CREATE INDEX orders_status_idx ON orders(status);
    ALTER TABLE order_events DROP CONSTRAINT order_events_order_id_fkey;
    ALTER TYPE "OrderStatus" ADD VALUE 'REFUNDED';
    CREATE TYPE "Unused" AS ENUM ('A');
    CREATE TABLE audit_log (id INT);
  `);

  const drift = await findSchemaDrift({ schemaPaths: [schemaPath], connectionString: url });

  expect(drift.sort()).toEqual(
    [
      `enum "OrderStatus" has values (PENDING, CONFIRMED, cancelled, REFUNDED) in the database but (PENDING, CONFIRMED, cancelled) in schema.prisma`,
      `enum "Unused" exists in the database but not in schema.prisma`,
      `table "orders": column "note" is missing in the database`,
      `table "orders": column "customer_id" is nullable in the database but required in schema.prisma`,
      `table "orders": column "paid_at" is NOT NULL in the database but optional in schema.prisma`,
      `table "orders": column "reference" has type text in the database but character varying(64) in schema.prisma`,
      `table "orders": column "legacy" exists in the database but not in schema.prisma`,
      `table "orders": index (customer_id) is missing in the database`,
      `table "orders": index (status) exists in the database but not in schema.prisma`,
      `table "order_events": foreign key (order_id) references "orders" (id) is missing in the database`,
      `table "audit_log" exists in the database but not in schema.prisma`,
    ].sort(),
  );
});

test("missing tables and enums are reported, and an invalid schema is an error", async () => {
  const url = await freshDatabase();
  expect((await findSchemaDrift({ schemaPaths: [schemaPath], connectionString: url })).sort()).toEqual([
    `enum "OrderStatus" is missing in the database`,
    `table "order_events" (model OrderEvent) is missing in the database`,
    `table "orders" (model Order) is missing in the database`,
  ]);

  const broken = join(tempDir, "broken.prisma");
  writeFileSync(broken, SCHEMA.replace("Int\n", "Integer\n"));
  await expect(findSchemaDrift({ schemaPaths: [broken], connectionString: url })).rejects.toThrow(/not a valid Prisma schema[\s\S]*Integer/);
});

// The real thing: each service's committed migrations must build exactly its schema.prisma.
const services = existsSync(join(REPO, "services"))
  ? readdirSync(join(REPO, "services")).filter((s) => existsSync(join(REPO, "services", s, "prisma", "migrations")))
  : [];

if (services.length === 0) {
  test.skip("no service has prisma/migrations yet", () => {});
} else {
  test.each(services)("services/%s: applying the messaging and its own migrations gives a database without drift from both schemas", async (service) => {
    const prisma = join(REPO, "services", service, "prisma");
    const url = await freshDatabase();
    await applyMigrations({ connectionString: url, ...messagingMigrations });
    await applyMigrations({ connectionString: url, migrationsDir: join(prisma, "migrations") });
    expect(await findSchemaDrift({ schemaPaths: [join(prisma, "schema.prisma"), messagingSchema], connectionString: url })).toEqual([]);
  });
}
