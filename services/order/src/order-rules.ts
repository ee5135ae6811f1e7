import type { DraftOf, OrderItem, SagaEvent } from "@saga-shop/contracts";

export type OrderStatus = "PENDING" | "APPROVED" | "REJECTED" | "CANCELLED";
export const terminalStatuses: readonly OrderStatus[] = ["APPROVED", "REJECTED", "CANCELLED"];

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

/**
 * The order's part of the saga: it ends the saga on the three events that decide it, and
 * only records the others. A CANCELLED order comes from CreditReleased, the last
 * compensation, so it is cancelled only once everything it needs undone has been undone.
 */
export function decideOrderOutcome(order: { status: OrderStatus; totalCents: number }, event: SagaEvent): OrderOutcome | null {
  switch (event.type) {
    case "DeliveryScheduled":
      return { status: "APPROVED", failureReason: null, emit: { type: "OrderApproved", payload: { totalCents: order.totalCents } } };
    case "CreditRejected":
      return { status: "REJECTED", failureReason: event.payload.reason, emit: { type: "OrderRejected", payload: { reason: event.payload.reason } } };
    case "CreditReleased":
      return { status: "CANCELLED", failureReason: event.payload.reason, emit: { type: "OrderCancelled", payload: { reason: event.payload.reason } } };
    default:
      return null;
  }
}

/** A terminal order takes no more decisions: a second decision means the saga went wrong. */
export function transitionProblem(order: { status: OrderStatus }, outcome: OrderOutcome): string | null {
  return order.status === "PENDING" ? null : `order is already ${order.status}; cannot become ${outcome.status}`;
}
