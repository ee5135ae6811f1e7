import { reasons } from "@saga-shop/contracts";
import type { HandlersOf } from "@saga-shop/messaging";
import { releaseCredit, reserveCredit } from "./credit-steps";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/** The choreography: the events the user service reacts to, each mapped to its local step. */
export const creditEventHandlers = (): HandlersOf<"user", Tx, "event"> => ({
  async OrderCreated(event, tx) {
    const { userId, totalCents, paymentToken, shippingAddress } = event.payload;
    const decision = await reserveCredit(tx, { orderId: event.orderId, userId, amountCents: totalCents });
    // CreditReserved carries what the payment step needs: no one asks the order service.
    return decision.reserved
      ? [{ type: "CreditReserved", payload: { userId, amountCents: totalCents, paymentToken, shippingAddress } }]
      : [{ type: "CreditRejected", payload: { userId, reason: decision.reason } }];
  },
  async PaymentFailed(event, tx) {
    const reason = reasons.paymentFailed(event.payload.reason);
    return [{ type: "CreditReleased", payload: { ...(await releaseCredit(tx, event.orderId, reason)), reason } }];
  },
  async PaymentRefunded(event, tx) {
    const { reason } = event.payload;
    return [{ type: "CreditReleased", payload: { ...(await releaseCredit(tx, event.orderId, reason)), reason } }];
  },
});
