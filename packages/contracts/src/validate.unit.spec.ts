// parseEvent is the gate every consumer puts in front of its handlers: a message that is not a
// valid event of a known type, from the service that owns that type, never reaches a handler.
import { parseEvent } from "./validate";

const ORDER_ID = "0b9a6c3e-5d0f-4a51-9d6e-1f2a3b4c5d6e";
const CORRELATION_ID = "1c8b7d2f-6e1a-4b62-8e7f-2a3b4c5d6e7f";
const CAUSE_ID = "2d7c8e3a-7f2b-4c73-9f8a-3b4c5d6e7f80";
const USER_ID = "3e6d9f4b-8a3c-4d84-8a9b-4c5d6e7f8091";
const PAYMENT_ID = "4f5eaa5c-9b4d-4e95-9bac-5d6e7f8091a2";
const DELIVERY_ID = "5a4fbb6d-ac5e-4fa6-8cbd-6e7f8091a2b3";

const address = { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };

/** A valid envelope; `overrides` replaces top-level fields. */
function envelope(type: string, producer: string, payload: unknown, overrides: Record<string, unknown> = {}) {
  return {
    id: "6b3acc7e-bd6f-40b7-9dce-7f8091a2b3c4",
    type,
    version: 1,
    occurredAt: "2026-05-01T12:00:00.000Z",
    orderId: ORDER_ID,
    correlationId: CORRELATION_ID,
    causationId: CAUSE_ID,
    producer,
    payload,
    ...overrides,
  };
}
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

const reasonOf = (raw: Parameters<typeof parseEvent>[0]): string => {
  const parsed = parseEvent(raw);
  if (parsed.ok) throw new Error(`expected a rejection, got a ${parsed.event.type}`);
  return parsed.reason;
};

describe("parseEvent: a valid message becomes an event", () => {
  const valid = [
    envelope("OrderCreated", "order", {
      userId: USER_ID,
      totalCents: 2500,
      items: [{ sku: "BOOK-1", quantity: 2, unitPriceCents: 1250 }],
      paymentToken: "tok_visa",
      shippingAddress: address,
    }, { causationId: null }),
    envelope("CreditReserved", "user", { userId: USER_ID, amountCents: 2500, paymentToken: "tok_visa", shippingAddress: address }),
    envelope("CreditReleased", "user", { userId: USER_ID, amountCents: 2500, reason: "card declined" }),
    envelope("PaymentCompleted", "payment", { paymentId: PAYMENT_ID, amountCents: 2500, shippingAddress: address }),
    envelope("PaymentRefunded", "payment", { paymentId: PAYMENT_ID, amountCents: 2500, reason: "address not serviceable" }),
    envelope("DeliveryScheduled", "delivery", { deliveryId: DELIVERY_ID }),
    envelope("OrderApproved", "order", { totalCents: 0 }),
  ];

  test.each(valid.map((e) => [e.type, e] as const))("given a valid %s from its producer, when parsed, then it is accepted unchanged", (_type, value) => {
    const parsed = parseEvent(bytes(value));
    expect(parsed).toEqual({ ok: true, event: value });
  });

  test("given the value as a string rather than a Buffer, when parsed, then it is accepted too", () => {
    const value = envelope("DeliveryScheduled", "delivery", { deliveryId: DELIVERY_ID });
    expect(parseEvent(JSON.stringify(value))).toEqual({ ok: true, event: value });
  });
});

describe("parseEvent: text Postgres cannot store is refused before any handler sees it", () => {
  test("given a NUL in a payload string, when parsed, then it is refused naming the field", () => {
    const value = envelope("DeliveryFailed", "delivery", { reason: "closed\u0000" });
    expect(reasonOf(bytes(value))).toBe("value holds text Postgres cannot store: /payload/reason: text must not contain the NUL character (U+0000)");
  });

  test("given a lone surrogate in a field no schema names, when parsed, then it is refused too", () => {
    const value = { ...envelope("DeliveryScheduled", "delivery", { deliveryId: DELIVERY_ID }), extra: { note: "\udc00" } };
    expect(reasonOf(bytes(value))).toMatch(/^value holds text Postgres cannot store: \/extra\/note: text must not contain a lone UTF-16 surrogate/);
  });

  test("given bytes that are not UTF-8 inside a JSON string, when parsed, then it is refused as not JSON text", () => {
    const raw = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(reasonOf(raw)).toBe("value is not valid JSON: its bytes are not UTF-8 text");
  });
});

describe("parseEvent: anything else is refused with the reason", () => {
  test.each([
    ["a null value (a tombstone)", null],
    ["an undefined value", undefined],
    ["an empty Buffer", Buffer.alloc(0)],
    ["an empty string", ""],
  ])("given %s, when parsed, then it is refused as an empty message", (_what, raw) => {
    expect(parseEvent(raw)).toEqual({ ok: false, reason: "empty message value" });
  });

  test("given bytes that are not JSON, when parsed, then it is refused as not valid JSON", () => {
    expect(reasonOf(Buffer.from([0xff, 0xfe, 0x00, 0x7b]))).toMatch(/^value is not valid JSON: /);
    expect(reasonOf("{ not json")).toMatch(/^value is not valid JSON: /);
  });

  test("given JSON that is not an object, when parsed, then the envelope is invalid", () => {
    expect(reasonOf("42")).toMatch(/^invalid envelope: /);
    expect(reasonOf("null")).toMatch(/^invalid envelope: /);
  });

  test("given an envelope missing its orderId, when parsed, then the reason names the orderId", () => {
    const { orderId: _dropped, ...withoutOrderId } = envelope("DeliveryScheduled", "delivery", { deliveryId: DELIVERY_ID });
    const reason = reasonOf(bytes(withoutOrderId));
    expect(reason).toMatch(/^invalid envelope: /);
    expect(reason).toContain("/orderId");
  });

  test("given an envelope whose correlationId is not a uuid, when parsed, then the reason names the correlationId", () => {
    const reason = reasonOf(bytes(envelope("DeliveryScheduled", "delivery", { deliveryId: DELIVERY_ID }, { correlationId: "nope" })));
    expect(reason).toMatch(/^invalid envelope: /);
    expect(reason).toContain("/correlationId");
  });

  test("given an envelope from a service that does not exist, when parsed, then the envelope is invalid", () => {
    const reason = reasonOf(bytes(envelope("DeliveryScheduled", "billing", { deliveryId: DELIVERY_ID })));
    expect(reason).toMatch(/^invalid envelope: /);
    expect(reason).toContain("/producer");
  });

  test("given an event type no service produces, when parsed, then the reason names that type", () => {
    expect(reasonOf(bytes(envelope("OrderShipped", "order", {})))).toBe('unknown event type "OrderShipped"');
  });

  test("given a type that is only an Object.prototype property name, when parsed, then it is still unknown", () => {
    expect(reasonOf(bytes(envelope("toString", "order", {})))).toBe('unknown event type "toString"');
  });

  test("given CreditReserved claiming to come from payment, when parsed, then it is refused: only user reserves credit", () => {
    const forged = envelope("CreditReserved", "payment", { userId: USER_ID, amountCents: 100, paymentToken: "tok_visa", shippingAddress: address });
    expect(reasonOf(bytes(forged))).toBe("CreditReserved must come from user, not payment");
  });

  test("given OrderApproved claiming to come from delivery, when parsed, then it is refused: only order approves", () => {
    expect(reasonOf(bytes(envelope("OrderApproved", "delivery", { totalCents: 100 })))).toBe(
      "OrderApproved must come from order, not delivery",
    );
  });

  test("given CreditReserved with a negative amountCents, when parsed, then the reason names amountCents", () => {
    const value = envelope("CreditReserved", "user", { userId: USER_ID, amountCents: -1, paymentToken: "tok_visa", shippingAddress: address });
    const reason = reasonOf(bytes(value));
    expect(reason).toMatch(/^invalid CreditReserved: /);
    expect(reason).toContain("payload/amountCents");
  });

  test("given PaymentCompleted with a fractional amountCents, when parsed, then it is refused", () => {
    const value = envelope("PaymentCompleted", "payment", { paymentId: PAYMENT_ID, amountCents: 10.5, shippingAddress: address });
    expect(reasonOf(bytes(value))).toMatch(/^invalid PaymentCompleted: payload\/amountCents /);
  });

  test("given CreditRejected whose userId is not a uuid, when parsed, then the reason names userId", () => {
    const value = envelope("CreditRejected", "user", { userId: "user-42", reason: "unknown user" });
    const reason = reasonOf(bytes(value));
    expect(reason).toMatch(/^invalid CreditRejected: /);
    expect(reason).toContain("payload/userId");
  });

  test("given CreditReserved without a shippingAddress, when parsed, then the reason names shippingAddress", () => {
    const value = envelope("CreditReserved", "user", { userId: USER_ID, amountCents: 100, paymentToken: "tok_visa" });
    const reason = reasonOf(bytes(value));
    expect(reason).toMatch(/^invalid CreditReserved: /);
    expect(reason).toContain("payload/shippingAddress");
  });

  test("given PaymentCompleted shipping to a lowercase country code, when parsed, then the reason names the country", () => {
    const value = envelope("PaymentCompleted", "payment", { paymentId: PAYMENT_ID, amountCents: 100, shippingAddress: { ...address, country: "us" } });
    expect(reasonOf(bytes(value))).toContain("payload/shippingAddress/country");
  });

  test("given a compensation with an empty reason, when parsed, then it is refused", () => {
    const value = envelope("CreditReleased", "user", { userId: USER_ID, amountCents: 100, reason: "" });
    expect(reasonOf(bytes(value))).toMatch(/^invalid CreditReleased: payload\/reason /);
  });

  test("given OrderCreated with no items, when parsed, then it is refused", () => {
    const value = envelope("OrderCreated", "order", {
      userId: USER_ID,
      totalCents: 0,
      items: [],
      paymentToken: "tok_visa",
      shippingAddress: address,
    });
    expect(reasonOf(bytes(value))).toMatch(/^invalid OrderCreated: payload\/items /);
  });
});
