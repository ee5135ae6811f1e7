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
 * The saga map: every event type, the service that produces it, the services that react to it
 * (`consumers`), what it undoes when it is a compensation, and its payload schema. Topics,
 * subscriptions, the handlers each service must register and the test harnesses' lists are
 * derived from this table (saga-map.ts): a new saga step starts here.
 */
export const eventCatalogue = {
  OrderCreated: {
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
  OrderApproved: { producer: "order", consumers: [], payload: Type.Object({ totalCents: Cents }) },
  OrderRejected: { producer: "order", consumers: [], payload: Type.Object({ reason: Reason }) },
  OrderCancelled: { producer: "order", consumers: [], payload: Type.Object({ reason: Reason }) },

  // The order service follows every event of the others: each is a step on the order's timeline.
  CreditReserved: {
    producer: "user",
    consumers: ["payment", "order"],
    payload: Type.Object({
      userId: Uuid,
      amountCents: Cents,
      paymentToken: Type.String({ minLength: 1 }),
      shippingAddress: ShippingAddress,
    }),
  },
  CreditRejected: { producer: "user", consumers: ["order"], payload: Type.Object({ userId: Uuid, reason: Reason }) },
  CreditReleased: {
    producer: "user",
    consumers: ["order"],
    undoes: "CreditReserved",
    payload: Type.Object({ userId: Uuid, amountCents: Cents, reason: Reason }),
  },

  PaymentCompleted: {
    producer: "payment",
    consumers: ["delivery", "order"],
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, shippingAddress: ShippingAddress }),
  },
  PaymentFailed: { producer: "payment", consumers: ["user", "order"], payload: Type.Object({ amountCents: Cents, reason: Reason }) },
  PaymentRefunded: {
    producer: "payment",
    consumers: ["user", "order"],
    undoes: "PaymentCompleted",
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, reason: Reason }),
  },

  DeliveryScheduled: { producer: "delivery", consumers: ["order"], payload: Type.Object({ deliveryId: Uuid }) },
  DeliveryFailed: { producer: "delivery", consumers: ["payment", "order"], payload: Type.Object({ reason: Reason }) },
} as const satisfies Record<string, { producer: ServiceName; consumers: readonly ServiceName[]; undoes?: string; payload: TSchema }>;

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
