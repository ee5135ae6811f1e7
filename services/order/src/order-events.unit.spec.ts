// The order service's handlers: which events end the saga (the three named transitions) and which
// are only steps on the timeline, checked over a stub transaction (no database).
import { eventsConsumedBy, kindOf, type EventOf, type EventType } from "@saga-shop/contracts";
import { address, envelopeFields, ORDER_ID, PAYMENT_ID, USER_ID } from "../../../test-support/sample-ids";
import { orderEventHandlers } from "./order-events";

const base = envelopeFields;
const events: { [T in EventType]?: EventOf<T> } = {
  CreditReserved: { ...base, type: "CreditReserved", producer: "user", payload: { userId: USER_ID, amountCents: 4200, paymentToken: "tok_visa", shippingAddress: address } },
  CreditRejected: { ...base, type: "CreditRejected", producer: "user", payload: { userId: USER_ID, reason: "user is suspended" } },
  CreditReleased: { ...base, type: "CreditReleased", producer: "user", payload: { userId: USER_ID, amountCents: 4200, reason: "payment failed: card declined" } },
  PaymentCompleted: { ...base, type: "PaymentCompleted", producer: "payment", payload: { paymentId: PAYMENT_ID, amountCents: 4200, shippingAddress: address } },
  PaymentFailed: { ...base, type: "PaymentFailed", producer: "payment", payload: { amountCents: 4200, reason: "card declined" } },
  PaymentRefunded: { ...base, type: "PaymentRefunded", producer: "payment", payload: { paymentId: PAYMENT_ID, amountCents: 4200, reason: "delivery failed" } },
  DeliveryScheduled: { ...base, type: "DeliveryScheduled", producer: "delivery", payload: { deliveryId: "5a4fbb6d-ac5e-4fa6-8cbd-6e7f8091a2b3" } },
  DeliveryFailed: { ...base, type: "DeliveryFailed", producer: "delivery", payload: { reason: "address not serviceable" } },
};

/** A transaction holding one order; records the updates asked of it. */
function stubTx(order: { status: string; totalCents: number } | null) {
  const updates: unknown[] = [];
  const tx = { order: { findUnique: async () => order, update: async (args: unknown) => void updates.push(args) } };
  return { tx: tx as never, updates };
}

const handlers = orderEventHandlers();
const handle = (type: EventType, tx: never) => (handlers as Record<string, (e: unknown, t: never) => Promise<unknown[]>>)[type]!(events[type], tx);

test("the handlers cover exactly the events the saga map says the order service consumes", () => {
  const consumedEvents = eventsConsumedBy("order").filter((type) => kindOf(type) === "event");
  expect(Object.keys(handlers).sort()).toEqual([...consumedEvents].sort());
  expect(Object.keys(events).sort()).toEqual([...consumedEvents].sort());
});

test.each([
  ["DeliveryScheduled", "APPROVED", null, { type: "OrderApproved", payload: { totalCents: 4200 } }],
  ["CreditRejected", "REJECTED", "user is suspended", { type: "OrderRejected", payload: { reason: "user is suspended" } }],
  ["CreditReleased", "CANCELLED", "payment failed: card declined", { type: "OrderCancelled", payload: { reason: "payment failed: card declined" } }],
] as const)("given a pending order, when %s arrives, then it becomes %s and announces it", async (type, status, failureReason, announcement) => {
  const { tx, updates } = stubTx({ status: "PENDING", totalCents: 4200 });
  expect(await handle(type, tx)).toEqual([announcement]);
  expect(updates).toEqual([{ where: { id: ORDER_ID }, data: { status, failureReason, completedAt: expect.any(Date) } }]);
});

test.each(["CreditReserved", "PaymentCompleted", "PaymentFailed", "PaymentRefunded", "DeliveryFailed"] as const)(
  "given a pending order, when %s arrives, then it is only a step on the timeline: nothing changes, nothing is emitted",
  async (type) => {
    const { tx, updates } = stubTx({ status: "PENDING", totalCents: 4200 });
    expect(await handle(type, tx)).toEqual([]);
    expect(updates).toEqual([]);
  },
);

test.each(Object.keys(events) as EventType[])("given no such order, when %s arrives, then it is unprocessable (dead-lettered, never retried)", async (type) => {
  await expect(handle(type, stubTx(null).tx)).rejects.toMatchObject({ name: "UnprocessableEvent", message: expect.stringContaining("unknown order") });
});

test("given an order already decided, when a deciding event arrives, then it is unprocessable: a decided order stays decided", async () => {
  await expect(handle("CreditReleased", stubTx({ status: "APPROVED", totalCents: 4200 }).tx)).rejects.toMatchObject({
    message: `CreditReleased for order ${ORDER_ID}: order is already APPROVED; cannot become CANCELLED`,
  });
});
