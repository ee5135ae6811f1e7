import { Type, type Static, type TSchema } from "@sinclair/typebox";

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

/** Every event type, the service that produces it and its payload schema. */
export const eventPayloads = {
  OrderCreated: {
    producer: "order",
    payload: Type.Object({
      userId: Uuid,
      totalCents: Cents,
      items: Type.Array(OrderItem, { minItems: 1 }),
      paymentToken: Type.String({ minLength: 1 }),
      shippingAddress: ShippingAddress,
    }),
  },
  OrderApproved: { producer: "order", payload: Type.Object({ totalCents: Cents }) },
  OrderRejected: { producer: "order", payload: Type.Object({ reason: Reason }) },
  OrderCancelled: { producer: "order", payload: Type.Object({ reason: Reason }) },

  CreditReserved: {
    producer: "user",
    payload: Type.Object({
      userId: Uuid,
      amountCents: Cents,
      paymentToken: Type.String({ minLength: 1 }),
      shippingAddress: ShippingAddress,
    }),
  },
  CreditRejected: { producer: "user", payload: Type.Object({ userId: Uuid, reason: Reason }) },
  CreditReleased: {
    producer: "user",
    payload: Type.Object({ userId: Uuid, amountCents: Cents, reason: Reason }),
  },

  PaymentCompleted: {
    producer: "payment",
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, shippingAddress: ShippingAddress }),
  },
  PaymentFailed: { producer: "payment", payload: Type.Object({ amountCents: Cents, reason: Reason }) },
  PaymentRefunded: {
    producer: "payment",
    payload: Type.Object({ paymentId: Uuid, amountCents: Cents, reason: Reason }),
  },

  DeliveryScheduled: { producer: "delivery", payload: Type.Object({ deliveryId: Uuid }) },
  DeliveryFailed: { producer: "delivery", payload: Type.Object({ reason: Reason }) },
} as const satisfies Record<string, { producer: ServiceName; payload: TSchema }>;

export const serviceNames = ["order", "user", "payment", "delivery"] as const;
export type ServiceName = (typeof serviceNames)[number];

export type EventType = keyof typeof eventPayloads;
export const eventTypes = Object.keys(eventPayloads) as EventType[];
export type PayloadOf<T extends EventType> = Static<(typeof eventPayloads)[T]["payload"]>;

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
