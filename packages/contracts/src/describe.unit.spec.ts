// describeEvent writes the saga's timeline; isCompensation flags the steps that undo earlier ones.
import { address, envelopeFields, ORDER_ID, PAYMENT_ID, USER_ID } from "../../../test-support/sample-ids";
import { describeEvent } from "./describe";
import { isCompensation } from "./saga-map";
import { eventTypes, type SagaEvent } from "./events";

const base = { ...envelopeFields, causationId: null };

/** One event of every type, keyed by type, so a new type without an example fails below. */
const examples: { [T in SagaEvent["type"]]: Extract<SagaEvent, { type: T }> } = {
  OrderCreated: {
    ...base,
    type: "OrderCreated",
    producer: "order",
    payload: { userId: USER_ID, totalCents: 2599, items: [{ sku: "A", quantity: 1, unitPriceCents: 2599 }], paymentToken: "tok_visa", shippingAddress: address },
  },
  OrderApproved: { ...base, type: "OrderApproved", producer: "order", payload: { totalCents: 2599 } },
  OrderRejected: { ...base, type: "OrderRejected", producer: "order", payload: { reason: "user is suspended" } },
  OrderCancelled: { ...base, type: "OrderCancelled", producer: "order", payload: { reason: "card declined" } },
  CreditReserved: {
    ...base,
    type: "CreditReserved",
    producer: "user",
    payload: { userId: USER_ID, amountCents: 2599, paymentToken: "tok_visa", shippingAddress: address },
  },
  CreditRejected: { ...base, type: "CreditRejected", producer: "user", payload: { userId: USER_ID, reason: "unknown user" } },
  CreditReleased: { ...base, type: "CreditReleased", producer: "user", payload: { userId: USER_ID, amountCents: 2599, reason: "insufficient funds" } },
  PaymentCompleted: { ...base, type: "PaymentCompleted", producer: "payment", payload: { paymentId: PAYMENT_ID, amountCents: 2599, shippingAddress: address } },
  PaymentFailed: { ...base, type: "PaymentFailed", producer: "payment", payload: { amountCents: 2599, reason: "card declined" } },
  PaymentRefunded: {
    ...base,
    type: "PaymentRefunded",
    producer: "payment",
    payload: { paymentId: PAYMENT_ID, amountCents: 2599, reason: "address not serviceable: we do not deliver to AQ" },
  },
  DeliveryScheduled: { ...base, type: "DeliveryScheduled", producer: "delivery", payload: { deliveryId: "5a4fbb6d-ac5e-4fa6-8cbd-6e7f8091a2b3" } },
  DeliveryFailed: { ...base, type: "DeliveryFailed", producer: "delivery", payload: { reason: "address not serviceable: we do not deliver to AQ" } },
  ReserveCredit: { ...base, type: "ReserveCredit", producer: "order", payload: { userId: USER_ID, amountCents: 2599 } },
  ChargePayment: { ...base, type: "ChargePayment", producer: "order", payload: { amountCents: 2599, paymentToken: "tok_visa" } },
  ScheduleDelivery: { ...base, type: "ScheduleDelivery", producer: "order", payload: { shippingAddress: address } },
  RefundPayment: { ...base, type: "RefundPayment", producer: "order", payload: { reason: "delivery failed: address not serviceable: we do not deliver to AQ" } },
  ReleaseCredit: { ...base, type: "ReleaseCredit", producer: "order", payload: { reason: "payment failed: card declined" } },
  ReserveCreditSucceeded: { ...base, type: "ReserveCreditSucceeded", producer: "user", payload: { userId: USER_ID, amountCents: 2599 } },
  ReserveCreditFailed: { ...base, type: "ReserveCreditFailed", producer: "user", payload: { userId: USER_ID, reason: "user is suspended" } },
  ChargePaymentSucceeded: { ...base, type: "ChargePaymentSucceeded", producer: "payment", payload: { paymentId: PAYMENT_ID, amountCents: 2599 } },
  ChargePaymentFailed: { ...base, type: "ChargePaymentFailed", producer: "payment", payload: { amountCents: 2599, reason: "card declined" } },
  ScheduleDeliverySucceeded: { ...base, type: "ScheduleDeliverySucceeded", producer: "delivery", payload: { deliveryId: "5a4fbb6d-ac5e-4fa6-8cbd-6e7f8091a2b3" } },
  ScheduleDeliveryFailed: { ...base, type: "ScheduleDeliveryFailed", producer: "delivery", payload: { reason: "address not serviceable: we do not deliver to AQ" } },
  RefundPaymentSucceeded: {
    ...base,
    type: "RefundPaymentSucceeded",
    producer: "payment",
    payload: { paymentId: PAYMENT_ID, amountCents: 2599, reason: "delivery failed: address not serviceable: we do not deliver to AQ" },
  },
  ReleaseCreditSucceeded: { ...base, type: "ReleaseCreditSucceeded", producer: "user", payload: { userId: USER_ID, amountCents: 2599, reason: "payment failed: card declined" } },
};
const all = Object.values(examples) as SagaEvent[];
const withReason = all.filter((e): e is Extract<SagaEvent, { payload: { reason: string } }> => "reason" in e.payload);

describe("describeEvent", () => {
  test("the examples cover every event type", () => {
    expect(Object.keys(examples).sort()).toEqual([...eventTypes].sort());
  });

  test.each(all.map((e) => [e.type, e] as const))("given a %s, when described, then the sentence names the order", (_type, event) => {
    expect(describeEvent(event)).toContain(ORDER_ID);
  });

  test.each(withReason.map((e) => [e.type, e] as const))("given a %s, when described, then the sentence carries its reason", (_type, event) => {
    expect(describeEvent(event)).toContain(event.payload.reason);
  });

  test("given CreditReleased (a compensation), when described, then it says the credit was released, the amount and why", () => {
    expect(describeEvent(examples.CreditReleased)).toBe(`credit of 25.99 released for order ${ORDER_ID} because insufficient funds`);
  });

  test("given PaymentRefunded (a compensation), when described, then it says the payment was refunded, the amount and why", () => {
    expect(describeEvent(examples.PaymentRefunded)).toBe(
      `payment of 25.99 refunded for order ${ORDER_ID} because address not serviceable: we do not deliver to AQ`,
    );
  });

  test("given OrderCreated, when described, then it names the user and the total in currency units", () => {
    expect(describeEvent(examples.OrderCreated)).toBe(`order ${ORDER_ID} placed by user ${USER_ID} for 25.99`);
  });

  test("given amounts under one unit and in the thousands, when described, then they keep two decimals", () => {
    const reserved = (amountCents: number) => ({ ...examples.CreditReserved, payload: { ...examples.CreditReserved.payload, amountCents } });
    expect(describeEvent(reserved(5))).toBe(`credit of 0.05 reserved for order ${ORDER_ID}`);
    expect(describeEvent(reserved(123_400))).toBe(`credit of 1234.00 reserved for order ${ORDER_ID}`);
  });
});

describe("isCompensation", () => {
  const compensations = ["CreditReleased", "PaymentRefunded", "RefundPayment", "ReleaseCredit", "RefundPaymentSucceeded", "ReleaseCreditSucceeded"];
  test.each(all.map((e) => [e.type, e, compensations.includes(e.type)] as const))(
    "given a %s, when asked whether it undoes an earlier step, then the answer is %s",
    (_type, event, expected) => {
      expect(isCompensation(event)).toBe(expected);
    },
  );

  test("the compensations are the two undoing events, the two compensating commands and their replies", () => {
    expect(all.filter(isCompensation).map((e) => e.type).sort()).toEqual([...compensations].sort());
  });

  test("given a compensating command, when described, then it says why the saga compensates and what it undoes", () => {
    expect(describeEvent(examples.ReleaseCredit)).toBe(`saga of order ${ORDER_ID}: payment failed: card declined, releasing credit`);
    expect(describeEvent(examples.RefundPayment)).toBe(
      `saga of order ${ORDER_ID}: delivery failed: address not serviceable: we do not deliver to AQ, refunding the payment`,
    );
  });
});
