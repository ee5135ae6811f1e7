// How many Kafka hops, HTTP round trips and database transactions one order costs under each
// transaction model, counted from the code. For the two sagas, who reads which topic and who
// handles which message type come from the saga map (contracts' eventCatalogue); the paths below
// name the steps a saga waits for, and are checked against the map when this module loads. The
// two-phase commit sends no message until it has ended: its steps are the coordinator's phases
// (services/order/src/two-phase-commit.ts: phaseOne, logDecision, phaseTwo, finish).
import {
  eventCatalogue,
  eventsConsumedBy,
  participants,
  producerOf,
  readersOf,
  serviceNames,
  topicOfType,
  type EventType,
  type ServiceName,
} from "@saga-shop/contracts";

export type Service = ServiceName;

/** The transaction models, as POST /orders names them. */
export const models = ["choreography", "orchestration", "two-phase-commit"] as const;
export type Model = (typeof models)[number];
export type SagaKind = "happy" | "compensation";

/** The message types each service handles in a transaction; one a service reads but does not handle is skipped without touching its database. */
export const handledBy = Object.fromEntries(serviceNames.map((s) => [s, eventsConsumedBy(s) as readonly string[]])) as Record<Service, readonly string[]>;

interface Step {
  type: EventType;
  /** The service whose handling of this message the saga waits for next. */
  next: Service;
}

export interface MessagePath {
  model: Model;
  kind: SagaKind;
  description: string;
  /** POST /orders emits the first; the order service's handling of the last sets the terminal state. */
  criticalPath: Step[];
  /** Emitted by the order service in the transaction that ends the saga (after the measured end). */
  closingEvent: EventType;
}

// The steps both outcomes share, up to the delivery service's answer.
const choreographyToDelivery: Step[] = [
  { type: "OrderCreated", next: "user" },
  { type: "CreditReserved", next: "payment" },
  { type: "PaymentCompleted", next: "delivery" },
];
const orchestrationToDelivery: Step[] = [
  { type: "ReserveCredit", next: "user" },
  { type: "ReserveCreditSucceeded", next: "order" },
  { type: "ChargePayment", next: "payment" },
  { type: "ChargePaymentSucceeded", next: "order" },
  { type: "ScheduleDelivery", next: "delivery" },
];
const happy = "tok_visa, country KR → APPROVED";
const deliveryFails = "country AQ: delivery fails → refund → credit released → CANCELLED";

const paths: MessagePath[] = [
  {
    model: "choreography",
    kind: "happy",
    description: happy,
    criticalPath: [...choreographyToDelivery, { type: "DeliveryScheduled", next: "order" }],
    closingEvent: "OrderApproved",
  },
  {
    model: "choreography",
    kind: "compensation",
    description: deliveryFails,
    criticalPath: [
      ...choreographyToDelivery,
      { type: "DeliveryFailed", next: "payment" },
      { type: "PaymentRefunded", next: "user" },
      { type: "CreditReleased", next: "order" },
    ],
    closingEvent: "OrderCancelled",
  },
  {
    model: "orchestration",
    kind: "happy",
    description: happy,
    criticalPath: [...orchestrationToDelivery, { type: "ScheduleDeliverySucceeded", next: "order" }],
    closingEvent: "OrderApproved",
  },
  {
    model: "orchestration",
    kind: "compensation",
    description: deliveryFails,
    criticalPath: [
      ...orchestrationToDelivery,
      { type: "ScheduleDeliveryFailed", next: "order" },
      { type: "RefundPayment", next: "payment" },
      { type: "RefundPaymentSucceeded", next: "order" },
      { type: "ReleaseCredit", next: "user" },
      { type: "ReleaseCreditSucceeded", next: "order" },
    ],
    closingEvent: "OrderCancelled",
  },
];

/** One step of the two-phase commit the order waits for: `services` do their part at once. */
interface CoordinatorStep {
  what: string;
  services: Service[];
  httpRoundTrip: boolean;
}

interface CoordinatorPath {
  model: "two-phase-commit";
  kind: SagaKind;
  description: string;
  steps: CoordinatorStep[];
  closingEvent: EventType;
}

const threeParticipants = participants as Service[];
const twoPhaseCommitPaths: CoordinatorPath[] = [
  {
    model: "two-phase-commit",
    kind: "happy",
    description: "tok_visa, country KR → every database prepares → APPROVED",
    steps: [
      { what: "POST /orders: the order and the coordinator's log row", services: ["order"], httpRoundTrip: false },
      { what: "phase one: user, payment, delivery each PREPARE TRANSACTION (at once)", services: threeParticipants, httpRoundTrip: true },
      { what: "the order database's part prepared", services: ["order"], httpRoundTrip: false },
      { what: "the decision logged", services: ["order"], httpRoundTrip: false },
      { what: "phase two: COMMIT PREPARED at the three (at once)", services: threeParticipants, httpRoundTrip: true },
      { what: "the order database's COMMIT PREPARED", services: ["order"], httpRoundTrip: false },
      { what: "the end: log completed, timeline, the outcome's event to the outbox", services: ["order"], httpRoundTrip: false },
    ],
    closingEvent: "OrderApproved",
  },
  {
    model: "two-phase-commit",
    kind: "compensation",
    description: "country AQ: delivery votes no → rolled back everywhere → REJECTED",
    steps: [
      { what: "POST /orders: the order and the coordinator's log row", services: ["order"], httpRoundTrip: false },
      // The delivery service's transaction is rolled back when it votes no: nothing is committed there.
      { what: "phase one: user and payment PREPARE TRANSACTION, delivery votes no (at once)", services: ["user", "payment"], httpRoundTrip: true },
      { what: "the decision logged", services: ["order"], httpRoundTrip: false },
      { what: "phase two: ROLLBACK PREPARED at user and payment (at once)", services: ["user", "payment"], httpRoundTrip: true },
      { what: "the end: REJECTED, log completed, timeline, the outcome's event to the outbox", services: ["order"], httpRoundTrip: false },
    ],
    closingEvent: "OrderRejected",
  },
];

export interface SagaCounts {
  model: Model;
  path: SagaKind;
  description: string;
  /** Kafka hops the order waits for, one after another. */
  kafkaHops: number;
  /** HTTP round trips between services the order waits for (the POST itself not counted: it is before created_at). */
  httpRoundTrips: number;
  /** Commits the order waits for, one after another (commits made at once count once). */
  criticalTransactions: number;
  /** Every transaction the order causes in any service, including timeline steps and the closing event's relay. */
  totalTransactions: number;
  eventsProduced: number;
  /** Deliveries to consumer groups (read and committed, whether handled or skipped). */
  eventsDelivered: number;
  transactionsByService: Record<Service, number>;
  /** What the order waits for, step by step. */
  chain: string;
}

const noTransactions = (): Record<Service, number> => ({ order: 0, user: 0, payment: 0, delivery: 0 });
const sum = (byService: Record<Service, number>) => Object.values(byService).reduce((a, b) => a + b, 0);

export function countMessagePath(path: MessagePath): SagaCounts {
  const messages = [...path.criticalPath.map((s) => s.type), path.closingEvent];
  const byService = noTransactions();
  byService.order += 1; // POST /orders
  let delivered = 0;
  for (const type of messages) {
    byService[producerOf(type)] += 1; // the relay's publish transaction
    for (const reader of readersOf(topicOfType(type))) {
      delivered += 1;
      if (handledBy[reader].includes(type)) byService[reader] += 1;
    }
  }
  const hops = path.criticalPath.length;
  return {
    model: path.model,
    path: path.kind,
    description: path.description,
    kafkaHops: hops,
    httpRoundTrips: 0,
    criticalTransactions: 1 + 2 * hops,
    totalTransactions: sum(byService),
    eventsProduced: messages.length,
    eventsDelivered: delivered,
    transactionsByService: byService,
    chain: path.criticalPath.map((s) => `${s.type}→${s.next}`).join(", "),
  };
}

export function countCoordinatorPath(path: CoordinatorPath): SagaCounts {
  const byService = noTransactions();
  for (const step of path.steps) for (const service of step.services) byService[service] += 1;
  byService.order += 1; // the relay publishes the outcome's event, after the end
  return {
    model: path.model,
    path: path.kind,
    description: path.description,
    kafkaHops: 0,
    httpRoundTrips: path.steps.filter((s) => s.httpRoundTrip).length,
    criticalTransactions: path.steps.length,
    totalTransactions: sum(byService),
    eventsProduced: 1,
    eventsDelivered: readersOf(topicOfType(path.closingEvent)).length,
    transactionsByService: byService,
    chain: path.steps.map((s) => s.what).join("; "),
  };
}

/** A path must follow the map: each step's type delivered on a topic its next service reads, and handled there. */
export function checkedAgainstMap(path: MessagePath): MessagePath {
  for (const step of path.criticalPath) {
    const { kind } = eventCatalogue[step.type];
    const expectedKind = path.model === "choreography" ? kind === "event" : kind === "command" || kind === "reply";
    if (!expectedKind || !readersOf(topicOfType(step.type)).includes(step.next) || !eventsConsumedBy(step.next).includes(step.type)) {
      throw new Error(`saga-counts: the ${path.model} ${path.kind} path's step ${step.type} (→ ${step.next}) is not in the saga map`);
    }
  }
  return path;
}

export type ModelCounts = Record<SagaKind, SagaCounts>;

export const countsByModel: Record<Model, ModelCounts> = Object.fromEntries(
  models.map((model) => {
    const count = (kind: SagaKind) => {
      const coordinated = twoPhaseCommitPaths.find((p) => p.model === model && p.kind === kind);
      if (coordinated) return countCoordinatorPath(coordinated);
      const path = paths.find((p) => p.model === model && p.kind === kind);
      if (!path) throw new Error(`saga-counts: no ${kind} path for ${model}`);
      return countMessagePath(checkedAgainstMap(path));
    };
    return [model, { happy: count("happy"), compensation: count("compensation") }];
  }),
) as Record<Model, ModelCounts>;

/** The choreography's: the benchmark's headline figures (and those of `pnpm bench --against`). */
export const sagaCounts = countsByModel.choreography;

export function explainCounts(measured: readonly Model[] = models): string[] {
  const lines: string[] = [];
  for (const model of measured) {
    const { happy: h, compensation: c } = countsByModel[model];
    const shape = (x: SagaCounts) =>
      `${x.kafkaHops} Kafka hops, ${x.httpRoundTrips} HTTP round trips, ${x.criticalTransactions} commits waited for, ${x.totalTransactions} transactions in all`;
    lines.push(`${model}, happy: ${shape(h)}`);
    lines.push(`  (${h.chain})`);
    lines.push(`${model}, delivery failure: ${shape(c)}`);
  }
  lines.push(
    "sagas: commits waited for = 1 POST /orders + per hop the relay's publish and the next consumer's handling; in all, + the order service's timeline steps and the closing event's relay",
    "(counts with nothing shared; under load a relay batch or a consumer batch shares one transaction among several sagas)",
  );
  return lines;
}
