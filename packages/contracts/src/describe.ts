import type { SagaEvent } from "./events";

const cents = (amount: number) => `${(amount / 100).toFixed(2)}`;

/** One sentence a person can follow, for the logs and the saga's timeline. */
export function describeEvent(event: SagaEvent): string {
  const order = `order ${event.orderId}`;
  switch (event.type) {
    case "OrderCreated":
      return `${order} placed by user ${event.payload.userId} for ${cents(event.payload.totalCents)}`;
    case "OrderApproved":
      return `${order} approved`;
    case "OrderRejected":
      return `${order} rejected because ${event.payload.reason}`;
    case "OrderCancelled":
      return `${order} cancelled because ${event.payload.reason}`;
    case "CreditReserved":
      return `credit of ${cents(event.payload.amountCents)} reserved for ${order}`;
    case "CreditRejected":
      return `credit refused for ${order} because ${event.payload.reason}`;
    case "CreditReleased":
      return `credit of ${cents(event.payload.amountCents)} released for ${order} because ${event.payload.reason}`;
    case "PaymentCompleted":
      return `payment of ${cents(event.payload.amountCents)} captured for ${order}`;
    case "PaymentFailed":
      return `payment for ${order} failed: ${event.payload.reason}`;
    case "PaymentRefunded":
      return `payment of ${cents(event.payload.amountCents)} refunded for ${order} because ${event.payload.reason}`;
    case "DeliveryScheduled":
      return `delivery scheduled for ${order}`;
    case "DeliveryFailed":
      return `delivery for ${order} failed: ${event.payload.reason}`;
  }
}
