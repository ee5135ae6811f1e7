import type { DraftOf, OrderItem } from "@saga-shop/contracts";
import { OrderStatus } from "./generated/prisma/enums";

export type { OrderStatus };
/** Every status but PENDING ends the saga (the statuses are the database enum's, schema.prisma). */
export const terminalStatuses: readonly OrderStatus[] = Object.values(OrderStatus).filter((s) => s !== OrderStatus.PENDING);

/** The largest order total we accept, so totals stay exact in a 32-bit column. */
export const MAX_ORDER_TOTAL_CENTS = 100_000_000;

export const orderTotal = (items: readonly OrderItem[]): number =>
  items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);

/** Why an order cannot be placed, or null when it can. */
export function orderProblem(items: readonly OrderItem[]): string | null {
  const total = orderTotal(items);
  if (total <= 0) return "order total must be more than zero";
  if (total > MAX_ORDER_TOTAL_CENTS) return `order total ${total} is over the limit of ${MAX_ORDER_TOTAL_CENTS} cents`;
  return null;
}

export type OrderOutcome =
  | { status: "APPROVED"; failureReason: null; emit: DraftOf<"OrderApproved"> }
  | { status: "REJECTED"; failureReason: string; emit: DraftOf<"OrderRejected"> }
  | { status: "CANCELLED"; failureReason: string; emit: DraftOf<"OrderCancelled"> };

// The order's part of the saga: three transitions, each named for the fact that ends the saga.
// Every other event is only a step on the order's timeline.

/** On DeliveryScheduled: every step succeeded. */
export const approve = (order: { totalCents: number }): OrderOutcome => ({
  status: "APPROVED",
  failureReason: null,
  emit: { type: "OrderApproved", payload: { totalCents: order.totalCents } },
});

/** On CreditRejected: the first step failed, so nothing needs undoing. */
export const reject = (reason: string): OrderOutcome => ({ status: "REJECTED", failureReason: reason, emit: { type: "OrderRejected", payload: { reason } } });

/**
 * On CreditReleased, the last compensation: an order is cancelled only once everything it needs
 * undone has been undone.
 */
export const cancel = (reason: string): OrderOutcome => ({ status: "CANCELLED", failureReason: reason, emit: { type: "OrderCancelled", payload: { reason } } });

/** A terminal order takes no more decisions: a second decision means the saga went wrong. */
export function transitionProblem(order: { status: OrderStatus }, outcome: OrderOutcome): string | null {
  return order.status === OrderStatus.PENDING ? null : `order is already ${order.status}; cannot become ${outcome.status}`;
}
