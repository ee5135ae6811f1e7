// toEnvelope is how every step of the saga puts an event on the wire; causedBy links a reaction
// to the event that caused it, so one saga run can be followed from its first event to its last.
import { parseEvent, type SagaEvent } from "@saga-shop/contracts";
import { address, CORRELATION_ID, ORDER_ID, USER_ID } from "../../../test-support/sample-ids";
import { causedBy, toEnvelope, type SagaContext } from "./envelope";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const clock = new Date("2026-05-01T12:34:56.789Z");

const start: SagaContext = { orderId: ORDER_ID, correlationId: CORRELATION_ID, causationId: null };

describe("toEnvelope", () => {
  test("given a valid CreditReserved draft, when wrapped by user, then it gets a fresh id, the version, the clock's time, the producer and the context", () => {
    const payload = { userId: USER_ID, amountCents: 2500, paymentToken: "tok_visa", shippingAddress: address };
    const context = { ...start, causationId: "2d7c8e3a-7f2b-4c73-9f8a-3b4c5d6e7f80" };

    const event = toEnvelope({ type: "CreditReserved", payload }, "user", context, clock);

    expect(event.id).toMatch(UUID);
    expect(event).toEqual({
      id: event.id,
      type: "CreditReserved",
      version: 1,
      occurredAt: "2026-05-01T12:34:56.789Z",
      producer: "user",
      orderId: ORDER_ID,
      correlationId: CORRELATION_ID,
      causationId: "2d7c8e3a-7f2b-4c73-9f8a-3b4c5d6e7f80",
      payload,
    });
  });

  test("given two drafts wrapped at the same instant, then each event has its own id", () => {
    const draft = { type: "OrderRejected", payload: { reason: "unknown user" } } as const;
    const first = toEnvelope(draft, "order", start, clock);
    const second = toEnvelope(draft, "order", start, clock);
    expect(first.id).not.toBe(second.id);
  });

  test("given no clock, when wrapped, then occurredAt is now", () => {
    const before = Date.now();
    const event = toEnvelope({ type: "OrderApproved", payload: { totalCents: 100 } }, "order", start);
    const at = Date.parse(event.occurredAt);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  test("given a wrapped event, when a consumer parses its bytes, then it is accepted as the same event", () => {
    const event = toEnvelope(
      { type: "PaymentRefunded", payload: { paymentId: "4f5eaa5c-9b4d-4e95-9bac-5d6e7f8091a2", amountCents: 2500, reason: "address not serviceable" } },
      "payment",
      start,
      clock,
    );
    expect(parseEvent(Buffer.from(JSON.stringify(event)))).toEqual({ ok: true, event });
  });

  test("given a CreditReserved draft with a negative amount, when wrapped, then it is refused with an error naming the type and the field", () => {
    const draft = { type: "CreditReserved", payload: { userId: USER_ID, amountCents: -5, paymentToken: "tok_visa", shippingAddress: address } } as const;
    expect(() => toEnvelope(draft, "user", start, clock)).toThrow(/refusing to emit an invalid CreditReserved: .*payload\/amountCents/);
  });

  test("given a DeliveryScheduled draft whose deliveryId is not a uuid, when wrapped, then it is refused naming DeliveryScheduled", () => {
    expect(() => toEnvelope({ type: "DeliveryScheduled", payload: { deliveryId: "d-1" } }, "delivery", start, clock)).toThrow(
      /invalid DeliveryScheduled: .*payload\/deliveryId/,
    );
  });

  test("given a compensation draft with an empty reason, when wrapped, then it is refused", () => {
    expect(() =>
      toEnvelope({ type: "CreditReleased", payload: { userId: USER_ID, amountCents: 1, reason: "" } }, "user", start, clock),
    ).toThrow(/invalid CreditReleased/);
  });
});

describe("causedBy", () => {
  const cause = toEnvelope(
    { type: "CreditReserved", payload: { userId: USER_ID, amountCents: 2500, paymentToken: "tok_visa", shippingAddress: address } },
    "user",
    { ...start, causationId: "2d7c8e3a-7f2b-4c73-9f8a-3b4c5d6e7f80" },
    clock,
  ) as SagaEvent;

  test("given an event, when a reaction's context is taken from it, then it keeps the order and saga run and points at the cause", () => {
    expect(causedBy(cause)).toEqual({ orderId: ORDER_ID, correlationId: CORRELATION_ID, causationId: cause.id });
  });

  test("given a reaction wrapped with causedBy, then it belongs to the same saga run and its cause is the event it reacts to", () => {
    const reaction = toEnvelope(
      { type: "PaymentCompleted", payload: { paymentId: "4f5eaa5c-9b4d-4e95-9bac-5d6e7f8091a2", amountCents: 2500, shippingAddress: address } },
      "payment",
      causedBy(cause),
      clock,
    );
    expect(reaction.orderId).toBe(cause.orderId);
    expect(reaction.correlationId).toBe(cause.correlationId);
    expect(reaction.causationId).toBe(cause.id);
    expect(reaction.id).not.toBe(cause.id);
    expect(reaction.producer).toBe("payment");
  });

  test("the context carries only the three saga fields, nothing of the cause's envelope", () => {
    expect(Object.keys(causedBy(cause)).sort()).toEqual(["causationId", "correlationId", "orderId"]);
  });
});

describe("an event belongs to the service that produces it", () => {
  test("given payment emitting CreditRejected, toEnvelope refuses: only user emits it", () => {
    const draft = {
      type: "CreditRejected" as const,
      payload: { userId: "00000000-0000-4000-8000-000000000001", reason: "x" },
    };
    const context = { orderId: "00000000-0000-4000-8000-000000000009", correlationId: "00000000-0000-4000-8000-000000000008", causationId: null };
    expect(() => toEnvelope(draft, "payment", context)).toThrow("payment cannot emit CreditRejected: only user does");
  });
});
