import type { ShippingAddress } from "@saga-shop/contracts";
import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { transitionProblem } from "./order-rules";
import { nextStep, type Reply } from "./saga-manager";

type Tx = Prisma.TransactionClient;

/**
 * The saga manager at work: each reply advances the order's saga instance and sends the next
 * command, in one transaction with the reply's processed id (the idempotent consumer) and the
 * outbox. So a manager killed at any moment resumes from its persisted state: a reply it had
 * not committed comes again, one it had committed is recognised as already processed.
 */
async function advance(reply: Reply, tx: Tx) {
  const order = await tx.order.findUnique({ where: { id: reply.orderId }, include: { saga: true } });
  if (!order?.saga) throw new UnprocessableEvent(`${reply.type} is for unknown saga of order ${reply.orderId}`);
  const facts = { ...order, shippingAddress: order.shippingAddress as ShippingAddress };
  const decision = nextStep(order.saga, facts, reply);
  if ("problem" in decision) throw new UnprocessableEvent(`${reply.type} for order ${reply.orderId}: ${decision.problem}`);
  await tx.sagaInstance.update({ where: { orderId: order.id }, data: { state: decision.state, compensationReason: decision.compensationReason } });
  if (decision.outcome) {
    const problem = transitionProblem(order, decision.outcome);
    if (problem) throw new UnprocessableEvent(`${reply.type} for order ${reply.orderId}: ${problem}`);
    await tx.order.update({
      where: { id: order.id },
      data: { status: decision.outcome.status, failureReason: decision.outcome.failureReason, completedAt: new Date() },
    });
    return [decision.outcome.emit];
  }
  return [decision.command!];
}

/** Every reply the manager waits for (the saga map's replies to the order service) goes to `advance`. */
export const sagaReplyHandlers = (): HandlersOf<"order", Tx, "reply"> => ({
  ReserveCreditSucceeded: advance,
  ReserveCreditFailed: advance,
  ChargePaymentSucceeded: advance,
  ChargePaymentFailed: advance,
  ScheduleDeliverySucceeded: advance,
  ScheduleDeliveryFailed: advance,
  RefundPaymentSucceeded: advance,
  ReleaseCreditSucceeded: advance,
});
