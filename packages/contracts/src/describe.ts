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
    // The orchestrated saga: the manager's commands tell its story, the replies what happened.
    case "ReserveCredit":
      return `saga of ${order}: order placed, reserving ${cents(event.payload.amountCents)} of credit`;
    case "ChargePayment":
      return `saga of ${order}: credit reserved, charging ${cents(event.payload.amountCents)}`;
    case "ScheduleDelivery":
      return `saga of ${order}: payment captured, scheduling delivery`;
    case "RefundPayment":
      return `saga of ${order}: ${event.payload.reason}, refunding the payment`;
    case "ReleaseCredit":
      return `saga of ${order}: ${event.payload.reason}, releasing credit`;
    case "ReserveCreditSucceeded":
      return `credit of ${cents(event.payload.amountCents)} reserved for ${order}`;
    case "ReserveCreditFailed":
      return `credit refused for ${order} because ${event.payload.reason}`;
    case "ChargePaymentSucceeded":
      return `payment of ${cents(event.payload.amountCents)} captured for ${order}`;
    case "ChargePaymentFailed":
      return `payment for ${order} failed: ${event.payload.reason}`;
    case "ScheduleDeliverySucceeded":
      return `delivery scheduled for ${order}`;
    case "ScheduleDeliveryFailed":
      return `delivery for ${order} failed: ${event.payload.reason}`;
    case "RefundPaymentSucceeded":
      return `payment of ${cents(event.payload.amountCents)} refunded for ${order} because ${event.payload.reason}`;
    case "ReleaseCreditSucceeded":
      return `credit of ${cents(event.payload.amountCents)} released for ${order} because ${event.payload.reason}`;
  }
}
