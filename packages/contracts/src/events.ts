import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { serviceNames, type ServiceName } from "./services";

// Event-carried state: each event holds what the next step needs, so no service asks
// another for data and no step depends on the order of two different topics.

const Uuid = Type.String({ format: "uuid" });
const Cents = Type.Integer({ minimum: 0 });
const Reason = Type.String({ minLength: 1 });

export const ShippingAddress = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({ pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" }),
  },
  { additionalProperties: false },
);
export type ShippingAddress = Static<typeof ShippingAddress>;

export const OrderItem = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1000 }),
    unitPriceCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  },
  { additionalProperties: false },
);
export type OrderItem = Static<typeof OrderItem>;

/**
 * The saga map: every message type (events, and the orchestrated saga's commands and replies),
 * the service that produces it, the services that react to it
 * (`consumers`), what it undoes when it is a compensation, and its payload schema. Topics,
 * subscriptions, the handlers each service must register and the test harnesses' lists are
 * derived from this table (saga-map.ts): a new saga step starts here.
 */
export const eventCatalogue = {
  OrderCreated: {
    kind: "event",
    producer: "order",
    consumers: ["user"],
    payload: Type.Object({
      userId: Uuid,
      totalCents: Cents,
      items: Type.Array(OrderItem, { minItems: 1 }),
      paymentToken: Type.String({ minLength: 1 }),
      shippingAddress: ShippingAddress,
    }),
  },
  // The saga's outcome, for whoever wants to know: no service of the saga reacts to it.
  OrderApproved: { kind: "event", producer: "order", consumers: [], payload: Type.Object({ totalCents: Cents }) },
  OrderRejected: { kind: "event", producer: "order", consumers: [], payload: Type.Object({ reason: Reason }) },
  OrderCancelled: { kind: "event", producer: "order", consumers: [], payload: Type.Object({ reason: Reason }) },

  // The order service follows every event of the others: each is a step on the order's timeline.
  CreditReserved: {
    kind: "event",
    producer: "user",
    consumers: ["payment", "order"],
    payload: Type.Object({
      userId: Uuid,
      amountCents: Cents,
      paymentToken: Type.String({ minLength: 1 }),
      shippingAddress: ShippingAddress,
    }),
  },
  CreditRejected: { kind: "event", producer: "user", consumers: ["order"], payload: Type.Object({ userId: Uuid, reason: Reason }) },
  CreditReleased: {
    kind: "event",
    producer: "user",
    consumers: ["order"],
    undoes: "CreditReserved",
    payload: Type.Object({ userId: Uuid, amountCents: Cents, reason: Reason }),
  },

  PaymentCompleted: {
    kind: "event",
    producer: "payment",
    consumers: ["delivery", "order"],
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, shippingAddress: ShippingAddress }),
  },
  PaymentFailed: { kind: "event", producer: "payment", consumers: ["user", "order"], payload: Type.Object({ amountCents: Cents, reason: Reason }) },
  PaymentRefunded: {
    kind: "event",
    producer: "payment",
    consumers: ["user", "order"],
    undoes: "PaymentCompleted",
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, reason: Reason }),
  },

  DeliveryScheduled: { kind: "event", producer: "delivery", consumers: ["order"], payload: Type.Object({ deliveryId: Uuid }) },
  DeliveryFailed: { kind: "event", producer: "delivery", consumers: ["payment", "order"], payload: Type.Object({ reason: Reason }) },

  // The orchestrated saga: the order service's saga manager sends a command to one participant
  // (on that participant's commands topic), which answers with a reply (on the order service's
  // replies topic). The same local steps and rules as above; only what triggers them differs.
  ReserveCredit: { kind: "command", producer: "order", consumers: ["user"], payload: Type.Object({ userId: Uuid, amountCents: Cents }) },
  ChargePayment: {
    kind: "command",
    producer: "order",
    consumers: ["payment"],
    payload: Type.Object({ amountCents: Cents, paymentToken: Type.String({ minLength: 1 }) }),
  },
  ScheduleDelivery: { kind: "command", producer: "order", consumers: ["delivery"], payload: Type.Object({ shippingAddress: ShippingAddress }) },
  RefundPayment: { kind: "command", producer: "order", consumers: ["payment"], undoes: "ChargePayment", payload: Type.Object({ reason: Reason }) },
  ReleaseCredit: { kind: "command", producer: "order", consumers: ["user"], undoes: "ReserveCredit", payload: Type.Object({ reason: Reason }) },

  ReserveCreditSucceeded: { kind: "reply", producer: "user", consumers: ["order"], payload: Type.Object({ userId: Uuid, amountCents: Cents }) },
  ReserveCreditFailed: { kind: "reply", producer: "user", consumers: ["order"], payload: Type.Object({ userId: Uuid, reason: Reason }) },
  ChargePaymentSucceeded: { kind: "reply", producer: "payment", consumers: ["order"], payload: Type.Object({ paymentId: Uuid, amountCents: Cents }) },
  ChargePaymentFailed: { kind: "reply", producer: "payment", consumers: ["order"], payload: Type.Object({ amountCents: Cents, reason: Reason }) },
  ScheduleDeliverySucceeded: { kind: "reply", producer: "delivery", consumers: ["order"], payload: Type.Object({ deliveryId: Uuid }) },
  ScheduleDeliveryFailed: { kind: "reply", producer: "delivery", consumers: ["order"], payload: Type.Object({ reason: Reason }) },
  RefundPaymentSucceeded: {
    kind: "reply",
    producer: "payment",
    consumers: ["order"],
    undoes: "ChargePaymentSucceeded",
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, reason: Reason }),
  },
  ReleaseCreditSucceeded: {
    kind: "reply",
    producer: "user",
    consumers: ["order"],
    undoes: "ReserveCreditSucceeded",
    payload: Type.Object({ userId: Uuid, amountCents: Cents, reason: Reason }),
  },
} as const satisfies Record<
  string,
  { kind: MessageKind; producer: ServiceName; consumers: readonly ServiceName[]; undoes?: string; payload: TSchema }
>;

/**
 * An event is a fact its producer announces to whoever follows its topic; a command asks one
 * participant to do a step; a reply tells the saga manager how the step went. All three travel
 * in the same envelope, through the same outbox and the same idempotent consumers.
 */
export type MessageKind = "event" | "command" | "reply";

export type EventType = keyof typeof eventCatalogue;
export const eventTypes = Object.keys(eventCatalogue) as EventType[];
export type PayloadOf<T extends EventType> = Static<(typeof eventCatalogue)[T]["payload"]>;

/** What a handler decides to emit; the messaging layer wraps it in an envelope. */
export type EventDraft = { [T in EventType]: { type: T; payload: PayloadOf<T> } }[EventType];
export type DraftOf<T extends EventType> = Extract<EventDraft, { type: T }>;

export const EVENT_VERSION = 1;

/** The envelope around every event on every topic. */
export const EnvelopeSchema = Type.Object({
  id: Uuid,
  type: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  occurredAt: Type.String({ format: "date-time" }),
  orderId: Uuid,
  correlationId: Uuid,
  causationId: Type.Union([Uuid, Type.Null()]),
  producer: Type.Union(serviceNames.map((name) => Type.Literal(name))),
  payload: Type.Unknown(),
});
type EnvelopeFields = Omit<Static<typeof EnvelopeSchema>, "type" | "payload">;

export type SagaEvent = { [T in EventType]: EnvelopeFields & { type: T; payload: PayloadOf<T> } }[EventType];
export type EventOf<T extends EventType> = Extract<SagaEvent, { type: T }>;
