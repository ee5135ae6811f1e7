// The order service starts the saga and ends it: it checks an order can be placed, then turns
// the three deciding events into the order's final status and the event that announces it.
import type { SagaEvent } from "@saga-shop/contracts";
import {
  decideOrderOutcome,
  MAX_ORDER_TOTAL_CENTS,
  orderProblem,
  orderTotal,
  terminalStatuses,
  transitionProblem,
  type OrderOutcome,
  type OrderStatus,
} from "./order-rules";

const ORDER_ID = "0b9a6c3e-5d0f-4a51-9d6e-1f2a3b4c5d6e";
const USER_ID = "3e6d9f4b-8a3c-4d84-8a9b-4c5d6e7f8091";
const PAYMENT_ID = "4f5eaa5c-9b4d-4e95-9bac-5d6e7f8091a2";
const address = { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };
const envelope = {
  id: "6b3acc7e-bd6f-40b7-9dce-7f8091a2b3c4",
  version: 1,
  occurredAt: "2026-05-01T12:00:00.000Z",
  orderId: ORDER_ID,
  correlationId: "1c8b7d2f-6e1a-4b62-8e7f-2a3b4c5d6e7f",
  causationId: "2d7c8e3a-7f2b-4c73-9f8a-3b4c5d6e7f80",
};
const pending = { status: "PENDING" as OrderStatus, totalCents: 4200 };

const deliveryScheduled: SagaEvent = {
  ...envelope,
  type: "DeliveryScheduled",
  producer: "delivery",
  payload: { deliveryId: "5a4fbb6d-ac5e-4fa6-8cbd-6e7f8091a2b3" },
};
const creditRejected: SagaEvent = {
  ...envelope,
  type: "CreditRejected",
  producer: "user",
  payload: { userId: USER_ID, reason: "not enough credit: 10.00 available, 42.00 needed" },
};
const creditReleased: SagaEvent = {
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

describe("decideOrderOutcome: how the saga ends for the order", () => {
  test("given a pending order, when delivery is scheduled, then the order is APPROVED and OrderApproved carries its total", () => {
    expect(decideOrderOutcome(pending, deliveryScheduled)).toEqual({
      status: "APPROVED",
      failureReason: null,
      emit: { type: "OrderApproved", payload: { totalCents: 4200 } },
    });
  });

  test("given a pending order, when credit is rejected, then the order is REJECTED with the user service's reason", () => {
    const reason = "not enough credit: 10.00 available, 42.00 needed";
    expect(decideOrderOutcome(pending, creditRejected)).toEqual({
      status: "REJECTED",
      failureReason: reason,
      emit: { type: "OrderRejected", payload: { reason } },
    });
  });

  test("given a pending order, when the reserved credit is released (the last compensation), then the order is CANCELLED with the reason carried along", () => {
    expect(decideOrderOutcome(pending, creditReleased)).toEqual({
      status: "CANCELLED",
      failureReason: "card declined",
      emit: { type: "OrderCancelled", payload: { reason: "card declined" } },
    });
  });

  const notDeciding: SagaEvent[] = [
    {
      ...envelope,
      type: "OrderCreated",
      producer: "order",
      causationId: null,
      payload: { userId: USER_ID, totalCents: 4200, items: [{ sku: "A", quantity: 1, unitPriceCents: 4200 }], paymentToken: "tok_visa", shippingAddress: address },
    },
    { ...envelope, type: "CreditReserved", producer: "user", payload: { userId: USER_ID, amountCents: 4200, paymentToken: "tok_visa", shippingAddress: address } },
    { ...envelope, type: "PaymentCompleted", producer: "payment", payload: { paymentId: PAYMENT_ID, amountCents: 4200, shippingAddress: address } },
    // A payment failure or a failed delivery starts compensations; the order waits for CreditReleased.
    { ...envelope, type: "PaymentFailed", producer: "payment", payload: { amountCents: 4200, reason: "card declined" } },
    { ...envelope, type: "PaymentRefunded", producer: "payment", payload: { paymentId: PAYMENT_ID, amountCents: 4200, reason: "address not serviceable" } },
    { ...envelope, type: "DeliveryFailed", producer: "delivery", payload: { reason: "address not serviceable" } },
    { ...envelope, type: "OrderApproved", producer: "order", payload: { totalCents: 4200 } },
  ];
  test.each(notDeciding.map((e) => [e.type, e] as const))("given a pending order, when %s arrives, then nothing is decided yet", (_type, event) => {
    expect(decideOrderOutcome(pending, event)).toBeNull();
  });
});

describe("transitionProblem: a decided order stays decided", () => {
  const outcomes: OrderOutcome[] = [
    decideOrderOutcome(pending, deliveryScheduled)!,
    decideOrderOutcome(pending, creditRejected)!,
    decideOrderOutcome(pending, creditReleased)!,
  ];

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
