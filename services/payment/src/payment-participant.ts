import type { ParticipantDefinition } from "@saga-shop/service-kit";
import type { Prisma } from "./generated/prisma/client";
import { charge } from "./payment-steps";

/** The two-phase commit: the same charge, prepared; a decline is a vote of no (and its row is rolled back). */
export const paymentParticipant = (): ParticipantDefinition<"payment", Prisma.TransactionClient> => ({
  participant: "payment",
  async prepare(tx, { orderId, amountCents, paymentToken }) {
    const result = await charge(tx, { orderId, amountCents, paymentToken });
    return result.captured ? { vote: "yes" } : { vote: "no", reason: result.reason };
  },
});
