import { runService, type ServiceDefinition } from "@saga-shop/service-kit";
import { join } from "node:path";
import { PrismaClient, type Prisma } from "./generated/prisma/client";
import { orderEventHandlers } from "./order-events";
import { orderRoutes } from "./order-routes";
import { sagaReplyHandlers } from "./saga-replies";
import { recordSteps } from "./saga-steps";

export const orderService: ServiceDefinition<"order", PrismaClient, Prisma.TransactionClient> = {
  name: "order",
  description: "Takes orders and follows the saga of each to its end (APPROVED, REJECTED or CANCELLED); runs the orchestrated sagas' manager.",
  directory: join(__dirname, ".."),
  createDatabase: (adapter) => new PrismaClient({ adapter }),
  // The choreography's events, and the replies to the orchestrated saga's commands.
  handlers: () => ({ ...orderEventHandlers(), ...sagaReplyHandlers() }),
  // The timeline: every event handled and emitted in a transaction, in one statement.
  beforeCommit: (tx, { handled, emitted }) => recordSteps(tx, [...handled, ...emitted]),
  routes: orderRoutes,
};

if (require.main === module) runService(orderService);
