import { randomUUID } from "node:crypto";
import type { ServiceName } from "../../e2e/support/system";
import { eventCatalogue, isEventType } from "@saga-shop/contracts";
import { consumersOf, type TopicMessage } from "./kafka";

// Poison: messages on the event topics that no consumer may act on. For each one, what each
// consumer of its topic must do: dead-letter it (with a reason that says why), or ignore it by
// rule (an event type it does not follow, or an event id it has already processed).

export type Fate = "dead-letter" | "ignored" | "duplicate";

export interface Poison {
  kind: string;
  topic: string;
  partition: number;
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
  /** The event id and order id inside, when there are any. */
  eventId?: string;
  orderId?: string;
  eventType?: string;
  fate: Partial<Record<ServiceName, { fate: Fate; reason?: RegExp }>>;
  /** Filled in when produced. */
  offset?: number;
}

/** Who may write to a topic: an events topic's service, the saga manager (order) for a commands topic. */
const producerOf = (topic: string) => (topic.endsWith(".commands") ? "order" : (topic.split(".")[0] as ServiceName));

const envelope = (topic: string, type: string, payload: unknown, orderId = randomUUID(), producer: string = knownProducer(type) ?? producerOf(topic)) => ({
  id: randomUUID(),
  type,
  version: 1,
  occurredAt: new Date().toISOString(),
  orderId,
  correlationId: randomUUID(),
  causationId: null,
  producer,
  payload,
});

const headersOf = (event: { id: string; type: string; correlationId: string }) => ({
  "event-id": event.id,
  "event-type": event.type,
  "correlation-id": event.correlationId,
  "content-type": "application/json",
});

const knownProducer = (type: string): string | undefined => (isEventType(type) ? eventCatalogue[type].producer : undefined);

const all = (topic: string, reason: RegExp) => Object.fromEntries(consumersOf(topic).map((c) => [c, { fate: "dead-letter" as Fate, reason }]));

/**
 * A valid message for an order nobody knows, of a type whose consumers keep state about the
 * order, or null on a topic where no such type exists (delivery.commands: the delivery service
 * would book a courier for it, as README's "Known limits" says consumers trust their topics).
 */
function unknownOrderEvent(topic: string) {
  const userId = randomUUID();
  switch (topic) {
    case "user.commands":
      return { event: envelope(topic, "ReleaseCredit", { reason: "chaos: no such order" }), fate: { user: { fate: "dead-letter" as Fate, reason: /no credit was reserved/ } } };
    case "payment.commands":
      return { event: envelope(topic, "RefundPayment", { reason: "chaos: no such order" }), fate: { payment: { fate: "dead-letter" as Fate, reason: /no captured payment/ } } };
    case "delivery.commands":
      return null;
    case "order.replies":
      return {
        event: envelope(topic, "ChargePaymentFailed", { amountCents: 100, reason: "chaos: no such order" }),
        fate: { order: { fate: "dead-letter" as Fate, reason: /unknown saga of order/ } },
      };
    case "order.events":
      // Its only consumer (user) does not follow OrderCancelled: ignored by rule.
      return { event: envelope(topic, "OrderCancelled", { reason: "chaos: no such order" }), fate: { user: { fate: "ignored" as Fate } } };
    case "user.events":
      return {
        event: envelope(topic, "CreditReleased", { userId, amountCents: 100, reason: "chaos: no such order" }),
        fate: { order: { fate: "dead-letter" as Fate, reason: /unknown order/ }, payment: { fate: "ignored" as Fate } },
      };
    case "payment.events":
      return {
        event: envelope(topic, "PaymentRefunded", { paymentId: randomUUID(), amountCents: 100, reason: "chaos: no such order" }),
        fate: {
          order: { fate: "dead-letter" as Fate, reason: /unknown order/ },
          user: { fate: "dead-letter" as Fate, reason: /no credit was reserved/ },
          delivery: { fate: "ignored" as Fate },
        },
      };
    default:
      return {
        event: envelope(topic, "DeliveryFailed", { reason: "chaos: no such order" }),
        fate: { order: { fate: "dead-letter" as Fate, reason: /unknown order/ }, payment: { fate: "dead-letter" as Fate, reason: /no captured payment/ } },
      };
  }
}

/** The copy of a processed event (same id) with another payload, and who follows its type. */
function changedCopy(original: TopicMessage) {
  const event = structuredClone(original.json);
  switch (event.type) {
    case "OrderCreated":
      event.payload.totalCents += 1000;
      return { event, fate: { user: { fate: "duplicate" as Fate } } };
    case "CreditReserved":
      event.payload.amountCents += 1000;
      return { event, fate: { order: { fate: "duplicate" as Fate }, payment: { fate: "duplicate" as Fate } } };
    case "PaymentCompleted":
      event.payload.amountCents += 1000;
      return { event, fate: { order: { fate: "duplicate" as Fate }, delivery: { fate: "duplicate" as Fate }, user: { fate: "ignored" as Fate } } };
    case "DeliveryScheduled":
      event.payload.deliveryId = randomUUID();
      return { event, fate: { order: { fate: "duplicate" as Fate }, payment: { fate: "ignored" as Fate } } };
    case "ReserveCredit":
      event.payload.amountCents += 1000;
      return { event, fate: { user: { fate: "duplicate" as Fate } } };
    case "ChargePayment":
      event.payload.amountCents += 1000;
      return { event, fate: { payment: { fate: "duplicate" as Fate } } };
    case "ScheduleDelivery":
      event.payload.shippingAddress.country = "AQ";
      return { event, fate: { delivery: { fate: "duplicate" as Fate } } };
    case "ReserveCreditSucceeded":
      event.payload.amountCents += 1000;
      return { event, fate: { order: { fate: "duplicate" as Fate } } };
    default:
      throw new Error(`no changed copy for ${event.type}`);
  }
}

/** A known type of each saga topic, for poison of the right type with the wrong payload or producer. */
const knownTypeOn: Record<string, string> = {
  "order.events": "OrderCreated",
  "user.events": "CreditReserved",
  "payment.events": "PaymentCompleted",
  "delivery.events": "DeliveryFailed",
  "user.commands": "ReserveCredit",
  "payment.commands": "ChargePayment",
  "delivery.commands": "ScheduleDelivery",
  "order.replies": "ChargePaymentSucceeded",
};

/** Ten kinds of poison for one partition of one topic (nine on delivery.commands); `original` is an event already processed on that topic. */
export function poisonFor(topic: string, partition: number, original: TopicMessage): Poison[] {
  const out: Poison[] = [];
  const json = (kind: string, event: any, fate: Poison["fate"], headers: Record<string, string> | undefined = headersOf(event), key: string | null = event.orderId) =>
    out.push({ kind, topic, partition, key, value: Buffer.from(JSON.stringify(event)), headers, eventId: event.id, orderId: event.orderId, eventType: event.type, fate });

  out.push({
    kind: "not JSON",
    topic,
    partition,
    key: randomUUID(),
    value: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x9c]), Buffer.from("{not json at all"), Buffer.from([0xc3, 0x28])]),
    headers: { "content-type": "application/json", "event-type": "OrderCreated" },
    fate: all(topic, /not valid JSON/),
  });
  const wrongShape = partition % 2 === 0 ? { hello: "world", id: 42, orderId: [] } : { ...envelope(topic, "ParcelTeleported", {}), type: undefined, payload: "not an object" };
  out.push({ kind: "JSON of the wrong schema", topic, partition, key: randomUUID(), value: Buffer.from(JSON.stringify(wrongShape)), headers: { "content-type": "application/json" }, fate: all(topic, /invalid envelope/) });
  // A known type whose payload breaks its schema: refused before any handler sees it.
  const knownType = knownTypeOn[topic]!;
  json("payload of the wrong schema", envelope(topic, knownType, { amountCents: "lots", totalCents: -5, reason: 7 }), all(topic, new RegExp(`invalid ${knownType}:`)));
  json("unknown event type", envelope(topic, "ParcelTeleported", { where: "nowhere" }), all(topic, /unknown event type "ParcelTeleported"/));
  // A type claimed by a service that does not own it: someone else writing to the topic.
  const owner = knownProducer(knownType)!;
  json("event from the wrong producer", envelope(topic, knownType, {}, undefined, owner === "payment" ? "delivery" : "payment"), all(topic, /must come from/));
  const unknown = unknownOrderEvent(topic);
  if (unknown) json("event for an unknown order", unknown.event, unknown.fate);
  const copy = changedCopy(original);
  json("duplicate event id, different payload", copy.event, copy.fate);
  // Text Postgres cannot store (NUL) or would store changed (a lone surrogate), in a message that
  // is otherwise valid: refused when parsed, so it is dead-lettered at once instead of failing a
  // transaction again and again.
  const badText = partition % 2 === 0 ? "chaos: \u0000 cannot be stored" : "chaos: \uD800 is half a character";
  const unstorable =
    unknownOrderEvent(topic)?.event ?? envelope(topic, "ScheduleDelivery", { shippingAddress: { line1: "1 Main St", city: badText, postalCode: "04524", country: "KR" } });
  if ("reason" in (unstorable.payload as object)) (unstorable.payload as { reason: string }).reason = badText;
  json("text Postgres cannot store", unstorable, all(topic, /text Postgres cannot store/));
  // Without headers or key; where no stateful type exists, an unknown type without them.
  const bare = unknownOrderEvent(topic) ?? { event: envelope(topic, "ParcelTeleported", {}), fate: all(topic, /unknown event type/) };
  json("no headers, no key", bare.event, bare.fate, undefined, null);
  out.push({ kind: "empty value (tombstone)", topic, partition, key: randomUUID(), value: null, fate: all(topic, /empty message value/) });
  return out;
}
