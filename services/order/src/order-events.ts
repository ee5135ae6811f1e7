import type { EventOf, EventType } from "@saga-shop/contracts";
import { UnprocessableEvent, type HandlersOf } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { approve, cancel, reject, transitionProblem, type OrderOutcome } from "./order-rules";

type Tx = Prisma.TransactionClient;

async function orderOf(tx: Tx, event: EventOf<EventType>) {
  const order = await tx.order.findUnique({ where: { id: event.orderId }, select: { status: true, totalCents: true } });
  if (!order) throw new UnprocessableEvent(`${event.type} is for unknown order ${event.orderId}`);
  return order;
}

/** An event that ends the saga: the order takes its final status and announces it. */
const decides =
  <T extends EventType>(transition: (order: { totalCents: number }, event: EventOf<T>) => OrderOutcome) =>
  async (event: EventOf<T>, tx: Tx) => {
    const order = await orderOf(tx, event);
    const outcome = transition(order, event);
    const problem = transitionProblem(order, outcome);
    if (problem) throw new UnprocessableEvent(`${event.type} for order ${event.orderId}: ${problem}`);
    await tx.order.update({
      where: { id: event.orderId },
      data: { status: outcome.status, failureReason: outcome.failureReason, completedAt: new Date() },
    });
    return [outcome.emit];
  };

/** Any other event of the saga: a step on the order's timeline (written once per transaction, see main.ts). */
async function notesStep(event: EventOf<EventType>, tx: Tx) {
  await orderOf(tx, event);
  return [];
}

/** The order service follows every event of the others (the saga map); three of them end the saga. */
export const orderEventHandlers = (): HandlersOf<"order", Tx, "event"> => ({
  DeliveryScheduled: decides((order) => approve(order)),
  CreditRejected: decides<"CreditRejected">((_order, event) => reject(event.payload.reason)),
  CreditReleased: decides<"CreditReleased">((_order, event) => cancel(event.payload.reason)),
  CreditReserved: notesStep,
  PaymentCompleted: notesStep,
  PaymentFailed: notesStep,
  PaymentRefunded: notesStep,
  DeliveryFailed: notesStep,
});
