// How many Kafka hops and database transactions one saga costs, counted from the code: who
// follows which topic and who handles which event type come from the saga map (contracts'
// eventCatalogue); the two paths below name the steps a saga waits for, and are checked
// against the map when this module loads.
import { eventCatalogue, eventsConsumedBy, producerOf, readersOf, serviceNames, topicOf, type EventType, type ServiceName } from "@saga-shop/contracts";

export type Service = ServiceName;

/** Whose topic each consumer group reads: the services that read its topic, per producer. */
export const subscribersOf = Object.fromEntries(serviceNames.map((s) => [s, readersOf(topicOf(s))])) as Record<Service, Service[]>;

/** The event types each service handles in a transaction; one a service reads but does not handle is skipped without touching its database. */
export const handledBy = Object.fromEntries(serviceNames.map((s) => [s, eventsConsumedBy(s) as readonly string[]])) as Record<Service, readonly string[]>;

interface Step {
  type: string;
  producer: Service;
  /** The service whose handling of this event the saga waits for next. */
  next: Service;
}

export interface SagaPath {
  name: string;
  description: string;
  /** POST /orders emits the first; the order service's handling of the last sets the terminal state. */
  criticalPath: Step[];
  /** Emitted by the order service in the transaction that ends the saga (after the measured end). */
  closingEvent: string;
}

export const happyPath: SagaPath = {
  name: "happy",
  description: "tok_visa, country KR → APPROVED",
  criticalPath: [
    { type: "OrderCreated", producer: "order", next: "user" },
    { type: "CreditReserved", producer: "user", next: "payment" },
    { type: "PaymentCompleted", producer: "payment", next: "delivery" },
    { type: "DeliveryScheduled", producer: "delivery", next: "order" },
  ],
  closingEvent: "OrderApproved",
};

export const compensationPath: SagaPath = {
  name: "compensation",
  description: "country AQ: delivery fails → refund → credit released → CANCELLED",
  criticalPath: [
    { type: "OrderCreated", producer: "order", next: "user" },
    { type: "CreditReserved", producer: "user", next: "payment" },
    { type: "PaymentCompleted", producer: "payment", next: "delivery" },
    { type: "DeliveryFailed", producer: "delivery", next: "payment" },
    { type: "PaymentRefunded", producer: "payment", next: "user" },
    { type: "CreditReleased", producer: "user", next: "order" },
  ],
  closingEvent: "OrderCancelled",
};

export interface SagaCounts {
  path: string;
  description: string;
  /** Kafka hops the saga waits for, one after another. */
  kafkaHops: number;
  /** Transactions the saga waits for: the POST, then per hop the relay's publish and the next consumer's handling. */
  criticalTransactions: number;
  /** Every transaction the saga causes in any service, including timeline steps and the closing event's relay. */
  totalTransactions: number;
  eventsProduced: number;
  /** Deliveries to consumer groups (read and committed, whether handled or skipped). */
  eventsDelivered: number;
  transactionsByService: Record<Service, number>;
}

export function countSaga(path: SagaPath): SagaCounts {
  const events = [...path.criticalPath.map((s) => ({ type: s.type, producer: s.producer })), { type: path.closingEvent, producer: "order" as Service }];
  const byService: Record<Service, number> = { order: 1 /* POST /orders */, user: 0, payment: 0, delivery: 0 };
  let delivered = 0;
  for (const event of events) {
    byService[event.producer] += 1; // the relay's publish transaction
    for (const consumer of subscribersOf[event.producer]) {
      delivered += 1;
      if (handledBy[consumer].includes(event.type)) byService[consumer] += 1;
    }
  }
  const hops = path.criticalPath.length;
  return {
    path: path.name,
    description: path.description,
    kafkaHops: hops,
    criticalTransactions: 1 + 2 * hops,
    totalTransactions: Object.values(byService).reduce((a, b) => a + b, 0),
    eventsProduced: events.length,
    eventsDelivered: delivered,
    transactionsByService: byService,
  };
}

/** A path must follow the map: each step's type produced by its producer and handled by its next service. */
function checkedAgainstMap(path: SagaPath): SagaPath {
  for (const step of path.criticalPath) {
    const type = step.type as EventType;
    if (!(type in eventCatalogue) || producerOf(type) !== step.producer || !eventsConsumedBy(step.next).includes(type)) {
      throw new Error(`saga-counts: ${path.name} path step ${step.type} (${step.producer} -> ${step.next}) is not in the saga map`);
    }
  }
  return path;
}

export const sagaCounts = { happy: countSaga(checkedAgainstMap(happyPath)), compensation: countSaga(checkedAgainstMap(compensationPath)) };

export function explainCounts(): string[] {
  const h = sagaCounts.happy;
  const c = sagaCounts.compensation;
  const chain = (p: SagaPath) => p.criticalPath.map((s) => `${s.type}→${s.next}`).join(", ");
  return [
    `happy path: ${h.kafkaHops} Kafka hops (${chain(happyPath)});`,
    `  ${h.criticalTransactions} transactions on the critical path = 1 POST /orders + ${h.kafkaHops} outbox-relay publishes + ${h.kafkaHops} consumer handlings;`,
    `  ${h.totalTransactions} in all (+ the order service's timeline steps and the ${happyPath.closingEvent} relay); ${h.eventsProduced} events produced, ${h.eventsDelivered} delivered to consumer groups`,
    `compensation (delivery failure): ${c.kafkaHops} hops, ${c.criticalTransactions} critical transactions, ${c.totalTransactions} in all, ${c.eventsProduced} events produced, ${c.eventsDelivered} delivered`,
    `(counts with nothing shared; under load a relay batch or a consumer batch shares one transaction among several sagas)`,
  ];
}
