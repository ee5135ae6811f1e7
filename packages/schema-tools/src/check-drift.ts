// Prints how a service database differs from its schema.prisma and the messaging tables'
// (packages/messaging/prisma/messaging.prisma); exits 1 if it does.
// Usage: DATABASE_URL=postgresql://... node packages/schema-tools/dist/check-drift.js services/order/prisma/schema.prisma
import { messagingSchema } from "@saga-shop/messaging";
import { findSchemaDrift } from "./schema-drift";

async function main(): Promise<number> {
  const schemaPath = process.argv[2];
  const connectionString = process.env.DATABASE_URL;
  if (!schemaPath || !connectionString) {
    console.error("usage: DATABASE_URL=postgresql://... check-drift <path/to/schema.prisma>");
    return 2;
  }
  const drift = await findSchemaDrift({ schemaPaths: [schemaPath, messagingSchema], connectionString });
  for (const difference of drift) console.log(`- ${difference}`);
  console.log(drift.length === 0 ? "no drift: the database matches schema.prisma and the messaging tables" : `${drift.length} difference(s)`);
  return drift.length === 0 ? 0 : 1;
}
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
