// parseEvent is the gate every consumer puts in front of its handlers: a message that is not a
// valid event of a known type, from the service that owns that type, never reaches a handler.
import { address, DELIVERY_ID, envelopeFields, PAYMENT_ID, USER_ID } from "../../../test-support/sample-ids";
import { parseEvent } from "./validate";

/** A valid envelope; `overrides` replaces top-level fields. */
function envelope(type: string, producer: string, payload: unknown, overrides: Record<string, unknown> = {}) {
  return { ...envelopeFields, type, producer, payload, ...overrides };
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
