import { runService, type ServiceDefinition } from "@saga-shop/service-kit";
import { join } from "node:path";
import { PrismaClient, type Prisma } from "./generated/prisma/client";
import { paymentCommandHandlers } from "./payment-commands";
import { paymentEventHandlers } from "./payment-events";
import { paymentRoutes } from "./payment-routes";
import { paymentParticipant } from "./payment-participant";

export const paymentService: ServiceDefinition<"payment", PrismaClient, Prisma.TransactionClient> = {
  name: "payment",
  description: "Charges an order's payment token once its credit is reserved, and refunds it when delivery fails.",
  directory: join(__dirname, ".."),
  createDatabase: (adapter) => new PrismaClient({ adapter }),
  // The same local steps, triggered by events (choreography) or commands (orchestration).
  handlers: () => ({ ...paymentEventHandlers(), ...paymentCommandHandlers() }),
  // The same local step again, as a participant of the two-phase commit.
  participant: paymentParticipant,
  routes: paymentRoutes,
};

if (require.main === module) runService(paymentService);
