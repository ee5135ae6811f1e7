import { reasons, type DraftOf, type EventOf, type ShippingAddress } from "@saga-shop/contracts";
import { SagaState } from "./generated/prisma/enums";
import { approve, cancel, reject, type OrderOutcome } from "./order-rules";

// The orchestrated saga's manager, as pure decisions: given where a saga stands and the reply to
// its last command, the next state, the next command and, at the end, the order's outcome. It
// is the one place that knows the whole flow; the participants only do the step they are asked.

export { SagaState };

/** What the manager knows of the order it runs the saga of. */
export interface OrderFacts {
  userId: string;
  totalCents: number;
  paymentToken: string;
  shippingAddress: ShippingAddress;
}

export type Command = DraftOf<"ReserveCredit" | "ChargePayment" | "ScheduleDelivery" | "RefundPayment" | "ReleaseCredit">;
export type Reply = EventOf<
  | "ReserveCreditSucceeded"
  | "ReserveCreditFailed"
  | "ChargePaymentSucceeded"
  | "ChargePaymentFailed"
  | "ScheduleDeliverySucceeded"
  | "ScheduleDeliveryFailed"
  | "RefundPaymentSucceeded"
  | "ReleaseCreditSucceeded"
>;

export interface Saga {
  state: SagaState;
  /** Why it compensates, once a step has failed. */
  compensationReason: string | null;
}

/** The manager's decision: the saga's new state, the command to send, and the outcome once it ends. */
export interface Decision extends Saga {
  command: Command | null;
  outcome: OrderOutcome | null;
}

const step = (state: SagaState, command: Command, compensationReason: string | null = null): Decision => ({ state, compensationReason, command, outcome: null });
const end = (outcome: OrderOutcome, compensationReason: string | null): Decision => ({
  state: SagaState[outcome.status],
  compensationReason,
  command: null,
  outcome,
});

/** The first step: reserve the order's total from the user's credit. */
export const startSaga = (order: OrderFacts): Decision =>
  step(SagaState.RESERVING_CREDIT, { type: "ReserveCredit", payload: { userId: order.userId, amountCents: order.totalCents } });

/**
 * The next step after `reply`: forward while steps succeed; on a failure, the compensating
 * commands in reverse order (refund, then release credit); or why the reply makes no sense here.
 */
export function nextStep(saga: Saga, order: OrderFacts, reply: Reply): Decision | { problem: string } {
  switch (`${saga.state} ${reply.type}`) {
    case "RESERVING_CREDIT ReserveCreditSucceeded":
      return step(SagaState.CHARGING_PAYMENT, { type: "ChargePayment", payload: { amountCents: order.totalCents, paymentToken: order.paymentToken } });
    case "RESERVING_CREDIT ReserveCreditFailed":
      return end(reject((reply as EventOf<"ReserveCreditFailed">).payload.reason), null);
    case "CHARGING_PAYMENT ChargePaymentSucceeded":
      return step(SagaState.SCHEDULING_DELIVERY, { type: "ScheduleDelivery", payload: { shippingAddress: order.shippingAddress } });
    case "CHARGING_PAYMENT ChargePaymentFailed": {
      const reason = reasons.paymentFailed((reply as EventOf<"ChargePaymentFailed">).payload.reason);
      return step(SagaState.RELEASING_CREDIT, { type: "ReleaseCredit", payload: { reason } }, reason);
    }
    case "SCHEDULING_DELIVERY ScheduleDeliverySucceeded":
      return end(approve(order), null);
    case "SCHEDULING_DELIVERY ScheduleDeliveryFailed": {
      const reason = reasons.deliveryFailed((reply as EventOf<"ScheduleDeliveryFailed">).payload.reason);
      return step(SagaState.REFUNDING_PAYMENT, { type: "RefundPayment", payload: { reason } }, reason);
    }
    case "REFUNDING_PAYMENT RefundPaymentSucceeded":
      return step(SagaState.RELEASING_CREDIT, { type: "ReleaseCredit", payload: { reason: saga.compensationReason! } }, saga.compensationReason);
    case "RELEASING_CREDIT ReleaseCreditSucceeded":
      // The last compensation is done: cancelled, for the reason the saga started compensating.
      return end(cancel(saga.compensationReason!), saga.compensationReason);
    default:
      return { problem: `a saga in state ${saga.state} does not expect ${reply.type}` };
  }
}
