// Kafka records as the viewer reads them, made in memory: a saga's events on their topics, dead
// letters as the consumers write them, and the copies a redrive puts back. For the unit tests of
// the viewer's state and of the redrive rule.
import { deadLetterTopicOf, topicOfMessage, type EventDraft, type SagaEvent, type ServiceName } from "@saga-shop/contracts";
import { causedBy, headers, redriveHeaders, startsSaga, toEnvelope } from "@saga-shop/messaging";
import type { KafkaRecord } from "../src/state";

const address = { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "AQ" };
const userId = "00000000-0000-4000-8000-000000000001";
const paymentId = "11111111-1111-4111-8111-111111111111";
const start = Date.parse("2026-12-01T10:00:00.000Z");

/** A topic's partitions as append-only logs: every record gets the next offset of its partition. */
export function fakeTopics() {
  const ends = new Map<string, number>();
  const append = (topic: string, partition: number, key: string | null, value: Buffer | null, h: Record<string, string>): KafkaRecord => {
    const at = `${topic}/${partition}`;
    const offset = ends.get(at) ?? 0;
    ends.set(at, offset + 1);
    return { topic, partition, offset, key, value, headers: h };
  };
  return {
    /** A message as the relay publishes it: an event on its producer's topic, a command or reply on its reader's; keyed by its order. */
    publish(event: SagaEvent, partition = 0): KafkaRecord {
      return append(topicOfMessage(event), partition, event.orderId, Buffer.from(JSON.stringify(event)), {
        [headers.eventId]: event.id,
        [headers.eventType]: event.type,
        [headers.correlationId]: event.correlationId,
        [headers.contentType]: "application/json",
      });
    },
    /** Anything at all on a topic (poison). */
    raw(topic: string, key: string | null, value: string, partition = 0): KafkaRecord {
      return append(topic, partition, key, Buffer.from(value), {});
    },
    /** What `consumer` writes when it gives up on `original`. */
    deadLetter(consumer: ServiceName, original: KafkaRecord, reason = "permission denied for table payments", attempts = 5): KafkaRecord {
      return append(deadLetterTopicOf(consumer), 0, original.key, original.value, {
        ...original.headers,
        [headers.deadLetter.reason]: reason,
        [headers.deadLetter.source]: `${original.topic}/${original.partition}@${original.offset}`,
        [headers.deadLetter.consumer]: consumer,
        [headers.deadLetter.attempts]: String(attempts),
        [headers.deadLetter.at]: new Date(start + 5000 + original.offset).toISOString(),
      });
    },
    /** The copy a redrive of `deadLetter` puts back on its source topic and partition. */
    redriveCopy(deadLetter: KafkaRecord): KafkaRecord {
      const [, topic, partition] = /^(.+)\/(\d+)@\d+$/.exec(deadLetter.headers[headers.deadLetter.source]!)!;
      return append(topic!, Number(partition), deadLetter.key, deadLetter.value, redriveHeaders(deadLetter.headers, `${deadLetter.topic}/${deadLetter.partition}@${deadLetter.offset}`));
    },
    end: (topic: string, partition = 0) => ends.get(`${topic}/${partition}`) ?? 0,
  };
}

/** One saga's events, each `ms` after the saga started and caused by the one before. */
export function sagaEvents(orderId: string, steps: [ServiceName, EventDraft, number][]): SagaEvent[] {
  const events: SagaEvent[] = [];
  for (const [producer, draft, ms] of steps) {
    const context = events.length ? causedBy(events.at(-1)!) : startsSaga(orderId);
    events.push(toEnvelope(draft, producer, context, new Date(start + ms)));
  }
  return events;
}

const created: [ServiceName, EventDraft, number] = [
  "order",
  { type: "OrderCreated", payload: { userId, totalCents: 2500, items: [{ sku: "book", quantity: 2, unitPriceCents: 1250 }], paymentToken: "tok_visa", shippingAddress: address } },
  0,
];
const reserved = (ms: number): [ServiceName, EventDraft, number] => ["user", { type: "CreditReserved", payload: { userId, amountCents: 2500, paymentToken: "tok_visa", shippingAddress: address } }, ms];
const reason = "address not serviceable: we do not deliver to AQ";

/** The README's longest compensation: delivery fails, the payment is refunded, the credit released. */
export const deliveryFailure = (orderId: string) =>
  sagaEvents(orderId, [
    created,
    reserved(40),
    ["payment", { type: "PaymentCompleted", payload: { paymentId, amountCents: 2500, shippingAddress: address } }, 90],
    ["delivery", { type: "DeliveryFailed", payload: { reason } }, 150],
    ["payment", { type: "PaymentRefunded", payload: { paymentId, amountCents: 2500, reason: `delivery failed: ${reason}` } }, 200],
    ["user", { type: "CreditReleased", payload: { userId, amountCents: 2500, reason: `delivery failed: ${reason}` } }, 240],
    ["order", { type: "OrderCancelled", payload: { reason: `delivery failed: ${reason}` } }, 280],
  ]);

/** A declined card: the credit reserved, then released; both on user.events. */
export const paymentFailure = (orderId: string) =>
  sagaEvents(orderId, [
    created,
    reserved(40),
    ["payment", { type: "PaymentFailed", payload: { amountCents: 2500, reason: "card declined" } }, 90],
    ["user", { type: "CreditReleased", payload: { userId, amountCents: 2500, reason: "payment failed: card declined" } }, 130],
    ["order", { type: "OrderCancelled", payload: { reason: "payment failed: card declined" } }, 170],
  ]);

/** The happy path, orchestrated: the manager's commands and each participant's reply. */
export const orchestratedApproval = (orderId: string) =>
  sagaEvents(orderId, [
    ["order", { type: "ReserveCredit", payload: { userId, amountCents: 2500 } }, 0],
    ["user", { type: "ReserveCreditSucceeded", payload: { userId, amountCents: 2500 } }, 20],
    ["order", { type: "ChargePayment", payload: { amountCents: 2500, paymentToken: "tok_visa" } }, 30],
    ["payment", { type: "ChargePaymentSucceeded", payload: { paymentId, amountCents: 2500 } }, 50],
    ["order", { type: "ScheduleDelivery", payload: { shippingAddress: { ...address, country: "KR" } } }, 60],
    ["delivery", { type: "ScheduleDeliverySucceeded", payload: { deliveryId: paymentId } }, 80],
    ["order", { type: "OrderApproved", payload: { totalCents: 2500 } }, 90],
  ]);
