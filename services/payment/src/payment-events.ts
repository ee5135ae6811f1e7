import { reasons } from "@saga-shop/contracts";
import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { charge, paymentOf, refund } from "./payment-steps";

type Tx = Prisma.TransactionClient;

/** The choreography: the events the payment service reacts to, each mapped to its local step. */
export const paymentEventHandlers = (): HandlersOf<"payment", Tx, "event"> => ({
  async CreditReserved(event, tx) {
    const { amountCents, paymentToken, shippingAddress } = event.payload;
    const existing = await paymentOf(tx, event.orderId);
    if (existing) throw new UnprocessableEvent(`order ${event.orderId} already has a ${existing.status} payment`);
    const result = await charge(tx, { orderId: event.orderId, amountCents, paymentToken });
    // PaymentCompleted carries the address on to the delivery step.
    return result.captured
      ? [{ type: "PaymentCompleted", payload: { paymentId: result.paymentId, amountCents, shippingAddress } }]
      : [{ type: "PaymentFailed", payload: { amountCents, reason: result.reason } }];
  },
  async DeliveryFailed(event, tx) {
    const reason = reasons.deliveryFailed(event.payload.reason);
    return [{ type: "PaymentRefunded", payload: { ...(await refund(tx, event.orderId, reason)), reason } }];
  },
});
