import { runService, type ServiceDefinition } from "@saga-shop/service-kit";
import { join } from "node:path";
import { creditCommandHandlers } from "./credit-commands";
import { creditEventHandlers } from "./credit-events";
import { PrismaClient, type Prisma } from "./generated/prisma/client";
import { userRoutes } from "./user-routes";
import { creditParticipant } from "./credit-participant";

export const userService: ServiceDefinition<"user", PrismaClient, Prisma.TransactionClient> = {
  name: "user",
  description: "Users and their credit: reserves an order's total, and releases it when the saga is compensated.",
  directory: join(__dirname, ".."),
  createDatabase: (adapter) => new PrismaClient({ adapter }),
  // The same local steps, triggered by events (choreography) or commands (orchestration).
  handlers: () => ({ ...creditEventHandlers(), ...creditCommandHandlers() }),
  // The same local step again, as a participant of the two-phase commit.
  participant: creditParticipant,
  routes: userRoutes,
};

if (require.main === module) runService(userService);
