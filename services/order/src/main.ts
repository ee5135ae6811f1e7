import { runService, type ServiceDefinition } from "@saga-shop/service-kit";
import { join } from "node:path";
import { PrismaClient, type Prisma } from "./generated/prisma/client";
import { orderEventHandlers } from "./order-events";
import { orderRoutes } from "./order-routes";
import { readOrderSettings, type OrderSettings } from "./order-settings";
import { sagaReplyHandlers } from "./saga-replies";
import { recordSteps } from "./saga-steps";

export const orderService: ServiceDefinition<"order", PrismaClient, Prisma.TransactionClient, OrderSettings> = {
  name: "order",
  description:
    "Takes orders and sees each to its end (APPROVED, REJECTED or CANCELLED): follows the choreography, runs the orchestrated sagas' manager and the two-phase commit's coordinator.",
  directory: join(__dirname, ".."),
  createDatabase: (adapter) => new PrismaClient({ adapter }),
  settings: readOrderSettings,
  // The choreography's events, and the replies to the orchestrated saga's commands.
  handlers: () => ({ ...orderEventHandlers(), ...sagaReplyHandlers() }),
  // The timeline: every event handled and emitted in a transaction, in one statement.
  beforeCommit: (tx, { handled, emitted }) => recordSteps(tx, [...handled, ...emitted]),
  routes: orderRoutes,
};

if (require.main === module) runService(orderService);
