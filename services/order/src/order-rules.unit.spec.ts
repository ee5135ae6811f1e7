// The order service starts the saga and ends it: it checks an order can be placed, then turns
// the three deciding events into the order's final status and the event that announces it.
import type { EventOf } from "@saga-shop/contracts";
import {
  approve,
  cancel,
  MAX_ORDER_TOTAL_CENTS,
  orderProblem,
  orderTotal,
  reject,
  terminalStatuses,
  transitionProblem,
  type OrderOutcome,
  type OrderStatus,
} from "./order-rules";
import { envelopeFields, USER_ID } from "../../../test-support/sample-ids";

const envelope = envelopeFields;
const pending = { status: "PENDING" as OrderStatus, totalCents: 4200 };

const creditRejected: EventOf<"CreditRejected"> = {
  ...envelope,
  type: "CreditRejected",
  producer: "user",
  payload: { userId: USER_ID, reason: "not enough credit: 10.00 available, 42.00 needed" },
};
const creditReleased: EventOf<"CreditReleased"> = {
  ...envelope,
  type: "CreditReleased",
  producer: "user",
  payload: { userId: USER_ID, amountCents: 4200, reason: "card declined" },
};

describe("orderTotal", () => {
  test("given several lines, the total is the sum of quantity times unit price", () => {
    expect(
      orderTotal([
        { sku: "BOOK", quantity: 2, unitPriceCents: 1250 },
        { sku: "PEN", quantity: 3, unitPriceCents: 199 },
      ]),
    ).toBe(2 * 1250 + 3 * 199);
  });

  test("given no lines, the total is zero", () => {
    expect(orderTotal([])).toBe(0);
  });
});

describe("orderProblem: whether an order can be placed", () => {
  test("given an order with a positive total under the limit, then it can be placed", () => {
    expect(orderProblem([{ sku: "BOOK", quantity: 1, unitPriceCents: 1 }])).toBeNull();
  });

  test("given an order of free items, then it is refused because the total must be more than zero", () => {
    expect(orderProblem([{ sku: "SAMPLE", quantity: 5, unitPriceCents: 0 }])).toBe("order total must be more than zero");
  });

  test("given an order totalling exactly the limit, then it can be placed", () => {
    expect(orderProblem([{ sku: "CAR", quantity: 1, unitPriceCents: MAX_ORDER_TOTAL_CENTS }])).toBeNull();
  });

  test("given an order one cent over the limit, then it is refused and the reason shows the total and the limit", () => {
    const items = [
      { sku: "CAR", quantity: 1, unitPriceCents: MAX_ORDER_TOTAL_CENTS },
      { sku: "KEYRING", quantity: 1, unitPriceCents: 1 },
    ];
    expect(orderProblem(items)).toBe(`order total ${MAX_ORDER_TOTAL_CENTS + 1} is over the limit of ${MAX_ORDER_TOTAL_CENTS} cents`);
  });

  test("given lines that are each allowed but multiply past the limit, then it is refused", () => {
    expect(orderProblem([{ sku: "GOLD", quantity: 1000, unitPriceCents: 100_001 }])).toMatch(/over the limit/);
  });

  test("the limit keeps totals inside a signed 32-bit column", () => {
    expect(MAX_ORDER_TOTAL_CENTS).toBeLessThanOrEqual(2 ** 31 - 1);
  });
});

describe("the three transitions: how the saga ends for the order", () => {
  test("approve (on DeliveryScheduled): the order is APPROVED and OrderApproved carries its total", () => {
    expect(approve(pending)).toEqual({
      status: "APPROVED",
      failureReason: null,
      emit: { type: "OrderApproved", payload: { totalCents: 4200 } },
    });
  });

  test("reject (on CreditRejected): the order is REJECTED with the user service's reason", () => {
    const reason = "not enough credit: 10.00 available, 42.00 needed";
    expect(reject(reason)).toEqual({
      status: "REJECTED",
      failureReason: reason,
      emit: { type: "OrderRejected", payload: { reason } },
    });
  });

  test("cancel (on CreditReleased, the last compensation): the order is CANCELLED with the reason carried along", () => {
    expect(cancel("card declined")).toEqual({
      status: "CANCELLED",
      failureReason: "card declined",
      emit: { type: "OrderCancelled", payload: { reason: "card declined" } },
    });
  });
});

describe("transitionProblem: a decided order stays decided", () => {
  const outcomes: OrderOutcome[] = [approve(pending), reject(creditRejected.payload.reason), cancel(creditReleased.payload.reason)];

  test.each(outcomes.map((o) => [o.status, o] as const))("given a PENDING order, when it becomes %s, then that is allowed", (_status, outcome) => {
    expect(transitionProblem({ status: "PENDING" }, outcome)).toBeNull();
  });

  const pairs = terminalStatuses.flatMap((current) => outcomes.map((outcome) => [current, outcome.status, outcome] as const));
  test.each(pairs)("given an order already %s, when a decision to become %s arrives, then it is refused", (current, next, outcome) => {
    expect(transitionProblem({ status: current }, outcome)).toBe(`order is already ${current}; cannot become ${next}`);
  });

  test("the terminal statuses are exactly the three decisions", () => {
    expect([...terminalStatuses].sort()).toEqual(["APPROVED", "CANCELLED", "REJECTED"]);
  });
});
