import { runService, type ServiceDefinition } from "@saga-shop/service-kit";
import { join } from "node:path";
import { deliveryCommandHandlers } from "./delivery-commands";
import { deliveryEventHandlers } from "./delivery-events";
import { readDeliverySettings, type DeliverySettings } from "./delivery-settings";
import { deliveryRoutes } from "./delivery-routes";
import { PrismaClient, type Prisma } from "./generated/prisma/client";
import { deliveryParticipant } from "./delivery-participant";

export const deliveryService: ServiceDefinition<"delivery", PrismaClient, Prisma.TransactionClient, DeliverySettings> = {
  name: "delivery",
  description: "Books a courier for a paid order's shipping address, in the countries it serves.",
  directory: join(__dirname, ".."),
  createDatabase: (adapter) => new PrismaClient({ adapter }),
  settings: readDeliverySettings,
  // The same local step, triggered by an event (choreography) or a command (orchestration).
  handlers: (config) => ({ ...deliveryEventHandlers(config), ...deliveryCommandHandlers(config) }),
  // The same local step again, as a participant of the two-phase commit.
  participant: deliveryParticipant,
  routes: deliveryRoutes,
};

if (require.main === module) runService(deliveryService);
