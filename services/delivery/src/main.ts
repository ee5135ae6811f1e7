import { runService, type ServiceDefinition } from "@saga-shop/service-kit";
import { join } from "node:path";
import { deliveryEventHandlers } from "./delivery-events";
import { deliveryRoutes } from "./delivery-routes";
import { PrismaClient, type Prisma } from "./generated/prisma/client";

export const deliveryService: ServiceDefinition<PrismaClient, Prisma.TransactionClient> = {
  name: "delivery",
  description: "Books a courier for a paid order's shipping address, in the countries it serves.",
  defaultPort: 3004,
  directory: join(__dirname, ".."),
  createDatabase: (adapter) => new PrismaClient({ adapter }),
  consumes: ["payment"],
  handlers: deliveryEventHandlers,
  routes: deliveryRoutes,
};

if (require.main === module) runService(deliveryService);
