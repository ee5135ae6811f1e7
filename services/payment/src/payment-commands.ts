import type { HandlersOf } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { charge, paymentOf, refund } from "./payment-steps";

type Tx = Prisma.TransactionClient;

/**
 * The orchestration: the saga manager's commands to the payment service, each mapped to the same
 * local step, answered with a reply. A command sent again for a step already done gets the reply
 * the first one got, from the payment it made (never a second charge).
 */
export const paymentCommandHandlers = (): HandlersOf<"payment", Tx, "command"> => ({
  async ChargePayment(command, tx) {
    const { amountCents, paymentToken } = command.payload;
    const done = await paymentOf(tx, command.orderId);
    if (done?.status === "DECLINED") return [{ type: "ChargePaymentFailed", payload: { amountCents: done.amountCents, reason: done.declineReason ?? "declined" } }];
    if (done) return [{ type: "ChargePaymentSucceeded", payload: { paymentId: done.id, amountCents: done.amountCents } }];
    const result = await charge(tx, { orderId: command.orderId, amountCents, paymentToken });
    return result.captured
      ? [{ type: "ChargePaymentSucceeded", payload: { paymentId: result.paymentId, amountCents } }]
      : [{ type: "ChargePaymentFailed", payload: { amountCents, reason: result.reason } }];
  },
  async RefundPayment(command, tx) {
    const done = await paymentOf(tx, command.orderId);
    if (done?.status === "REFUNDED") {
      return [{ type: "RefundPaymentSucceeded", payload: { paymentId: done.id, amountCents: done.amountCents, reason: done.refundReason ?? command.payload.reason } }];
    }
    const { reason } = command.payload;
    return [{ type: "RefundPaymentSucceeded", payload: { ...(await refund(tx, command.orderId, reason)), reason } }];
  },
});
