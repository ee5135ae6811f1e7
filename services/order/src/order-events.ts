import type { EventType, SagaEvent } from "@saga-shop/contracts";
import { UnprocessableEvent, type EventHandlers } from "@saga-shop/messaging";
import type { Prisma } from "./generated/prisma/client";
import { decideOrderOutcome, transitionProblem } from "./order-rules";

type Tx = Prisma.TransactionClient;

/**
 * Every event of the other services is a step on the order's timeline (written once per batch,
 * see main.ts); three of them end the saga.
 */
async function onSagaEvent(event: SagaEvent, tx: Tx) {
  const order = await tx.order.findUnique({ where: { id: event.orderId }, select: { status: true, totalCents: true } });
  if (!order) throw new UnprocessableEvent(`${event.type} is for unknown order ${event.orderId}`);
  const outcome = decideOrderOutcome(order, event);
  if (!outcome) return [];
  const problem = transitionProblem(order, outcome);
  if (problem) throw new UnprocessableEvent(`${event.type} for order ${event.orderId}: ${problem}`);
  await tx.order.update({
    where: { id: event.orderId },
    data: { status: outcome.status, failureReason: outcome.failureReason, completedAt: new Date() },
  });
  return [outcome.emit];
}

const followed: EventType[] = [
  "CreditReserved",
  "CreditRejected",
  "CreditReleased",
  "PaymentCompleted",
  "PaymentFailed",
  "PaymentRefunded",
  "DeliveryScheduled",
  "DeliveryFailed",
];

export const orderEventHandlers = (): EventHandlers<Tx> => Object.fromEntries(followed.map((type) => [type, onSagaEvent]));
