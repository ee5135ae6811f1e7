import type { ParticipantDefinition } from "@saga-shop/service-kit";
import { reserveCredit } from "./credit-steps";
import type { Prisma } from "./generated/prisma/client";

/**
 * The two-phase commit: the same reservation step, inside a transaction the kit then prepares
 * (its row lock on the user held until the coordinator decides), or a vote of no with the rule's
 * reason. Nothing to compensate afterwards: a no, or a rollback, leaves no trace.
 */
export const creditParticipant = (): ParticipantDefinition<"user", Prisma.TransactionClient> => ({
  participant: "user",
  async prepare(tx, { orderId, userId, amountCents }) {
    const decision = await reserveCredit(tx, { orderId, userId, amountCents });
    return decision.reserved ? { vote: "yes" } : { vote: "no", reason: decision.reason };
  },
});
