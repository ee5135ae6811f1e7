// What the viewer knows, built from the records of the topics it follows and nothing else: a
// saga per order with its steps, the dead letters of every consumer, and, per partition of the
// saga topics, which event of which order sits at which offset (what the redrive rule reads).
// No I/O and no clock here: the same records, in any interleaving of partitions, give the same state.
import {
  describeEvent,
  eventCatalogue,
  isCompensation,
  kindOf,
  parseEvent,
  serviceNames,
  type EventType,
  type SagaEvent,
  type ServiceName,
} from "@saga-shop/contracts";
import { headers as headerNames, type ObservedMessage } from "@saga-shop/messaging";

/** One message as read from Kafka. */
export type KafkaRecord = ObservedMessage;

export type SagaStatus = "PENDING" | "APPROVED" | "REJECTED" | "CANCELLED";

/** The events that end a saga, and the status each gives the order. */
const outcomes: Partial<Record<EventType, SagaStatus>> = { OrderApproved: "APPROVED", OrderRejected: "REJECTED", OrderCancelled: "CANCELLED" };

/**
 * How a saga runs, from its own messages: a choreography starts with OrderCreated, an
 * orchestration sends commands and gets replies, and a two-phase commit puts nothing on Kafka
 * but its outcome (its phases are HTTP calls). "unknown" until one of those has been seen.
 */
export function transactionOf(steps: readonly Pick<Step, "type">[]): string {
  if (steps.some((s) => s.type === "OrderCreated")) return "choreography";
  if (steps.some((s) => kindOf(s.type) !== "event")) return "orchestration";
  if (steps.some((s) => outcomes[s.type] !== undefined)) return "two-phase-commit";
  return "unknown";
}

/** One event of a saga, in the lane of the service that produced it. */
export interface Step {
  eventId: string;
  type: EventType;
  producer: ServiceName;
  occurredAt: string;
  topic: string;
  partition: number;
  offset: number;
  compensation: boolean;
  /** The step a compensation undoes. */
  undoes: string | null;
  summary: string;
  /** The failure or compensation reason the event carries. */
  reason: string | null;
  /** Copies of this event that a redrive put back on its topic. */
  redrives: number;
}

interface Saga {
  orderId: string;
  correlationId: string;
  /** Oldest first (by occurredAt, then by arrival). */
  steps: Step[];
  deadLetters: string[];
}

/** Where a message was: `<topic>/<partition>@<offset>`, as the dead-letter-source header writes it. */
export interface Position {
  topic: string;
  partition: number;
  offset: number;
}
export const positionText = (p: Position) => `${p.topic}/${p.partition}@${p.offset}`;

export function parsePosition(text: string | undefined): Position | null {
  const match = /^(.+)\/(\d+)@(\d+)$/.exec(text ?? "");
  return match ? { topic: match[1]!, partition: Number(match[2]), offset: Number(match[3]) } : null;
}

export interface DeadLetter extends Position {
  /** Its own position on the dead-letter topic. */
  id: string;
  consumer: string;
  reason: string;
  attempts: number | null;
  at: string | null;
  source: Position | null;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The event it holds, when its value is one. */
  event: { id: string; type: EventType; orderId: string } | null;
  /** Why its value is not an event, when it is not. */
  invalidReason: string | null;
  /** How often the message had been redriven before it was dead-lettered (this time). */
  redriveCount: number;
}

/** A message of a saga topic, as the redrive rule needs it. */
export interface LoggedRecord {
  offset: number;
  key: string | null;
  eventId: string | null;
  type: string | null;
  /** The dead letter this message is a redrive of. */
  redriveOf: string | null;
}

interface PartitionLog {
  /** The next offset to read: everything before it has been applied. */
  next: number;
  /** Saga topics only. */
  records: LoggedRecord[];
}

export interface ViewerState {
  /** Dead-letter topic -> the consumer it belongs to. */
  deadLetterTopics: ReadonlyMap<string, string>;
  sagas: Map<string, Saga>;
  deadLetters: Map<string, DeadLetter>;
  /** `<consumer>|<topic>/<partition>@<offset>` of every message a consumer dead-lettered. */
  deadLettered: Set<string>;
  /** Dead-letter id -> the copies its redrives put on the source topic. */
  redrives: Map<string, Position[]>;
  partitions: Map<string, PartitionLog>;
  /** Messages on saga topics that are not valid events. */
  invalidMessages: number;
}

export const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;
export const deadLetteredKey = (consumer: string, p: Position) => `${consumer}|${positionText(p)}`;

export function createState(deadLetterTopics: ReadonlyMap<string, string>): ViewerState {
  return { deadLetterTopics, sagas: new Map(), deadLetters: new Map(), deadLettered: new Set(), redrives: new Map(), partitions: new Map(), invalidMessages: 0 };
}

/** What one record changed, for the live page. */
export interface Change {
  sagas: string[];
  deadLetters: string[];
}

const reasonOf = (event: SagaEvent): string | null => {
  const payload = event.payload as { reason?: unknown };
  return typeof payload.reason === "string" ? payload.reason : null;
};

function stepOf(event: SagaEvent, at: Position, redrives: number): Step {
  const spec = eventCatalogue[event.type] as { undoes?: string };
  return {
    eventId: event.id,
    type: event.type,
    producer: event.producer,
    occurredAt: event.occurredAt,
    ...at,
    compensation: isCompensation(event),
    undoes: spec.undoes ?? null,
    summary: describeEvent(event),
    reason: reasonOf(event),
    redrives,
  };
}

function sagaFor(state: ViewerState, orderId: string, correlationId: string): Saga {
  let saga = state.sagas.get(orderId);
  if (!saga) {
    saga = { orderId, correlationId, steps: [], deadLetters: [] };
    state.sagas.set(orderId, saga);
  }
  return saga;
}

/**
 * Applies one record to the state (in place) and says what it changed. A record at or before an
 * offset already applied for its partition (Kafka redelivers after a rebalance) changes nothing.
 */
export function applyRecord(state: ViewerState, record: KafkaRecord): Change {
  const change: Change = { sagas: [], deadLetters: [] };
  const key = partitionKey(record.topic, record.partition);
  const log = state.partitions.get(key) ?? { next: 0, records: [] };
  state.partitions.set(key, log);
  if (record.offset < log.next) return change;
  log.next = record.offset + 1;

  const consumer = state.deadLetterTopics.get(record.topic);
  if (consumer !== undefined) return applyDeadLetter(state, record, consumer);

  const parsed = parseEvent(record.value);
  const redriveOf = record.headers[headerNames.redrive.of] ?? null;
  log.records.push({ offset: record.offset, key: record.key, eventId: parsed.ok ? parsed.event.id : null, type: parsed.ok ? parsed.event.type : null, redriveOf });
  if (redriveOf) {
    state.redrives.set(redriveOf, [...(state.redrives.get(redriveOf) ?? []), { topic: record.topic, partition: record.partition, offset: record.offset }]);
    if (state.deadLetters.has(redriveOf)) change.deadLetters.push(redriveOf);
  }
  if (!parsed.ok) {
    state.invalidMessages++;
    return change;
  }
  const event = parsed.event;
  const saga = sagaFor(state, event.orderId, event.correlationId);
  const existing = saga.steps.find((step) => step.eventId === event.id);
  if (existing) {
    // The same event again: a redrive's copy, or the relay publishing it twice (at-least-once).
    if (redriveOf) existing.redrives++;
  } else {
    const step = stepOf(event, { topic: record.topic, partition: record.partition, offset: record.offset }, redriveOf ? 1 : 0);
    const after = saga.steps.findIndex((other) => other.occurredAt > step.occurredAt);
    saga.steps.splice(after < 0 ? saga.steps.length : after, 0, step);
  }
  change.sagas.push(saga.orderId);
  return change;
}

function applyDeadLetter(state: ViewerState, record: KafkaRecord, consumer: string): Change {
  const h = record.headers;
  const names = headerNames.deadLetter;
  const id = positionText(record);
  const parsed = parseEvent(record.value);
  const attempts = Number(h[names.attempts]);
  const deadLetter: DeadLetter = {
    id,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    consumer,
    reason: h[names.reason] ?? "(no dead-letter-reason header)",
    attempts: h[names.attempts] !== undefined && Number.isInteger(attempts) ? attempts : null,
    at: h[names.at] ?? null,
    source: parsePosition(h[names.source]),
    key: record.key,
    value: record.value,
    headers: h,
    event: parsed.ok ? { id: parsed.event.id, type: parsed.event.type, orderId: parsed.event.orderId } : null,
    invalidReason: parsed.ok ? null : parsed.reason,
    redriveCount: Number(h[headerNames.redrive.count] ?? 0) || 0,
  };
  state.deadLetters.set(id, deadLetter);
  if (deadLetter.source) state.deadLettered.add(deadLetteredKey(deadLetter.consumer, deadLetter.source));
  const change: Change = { sagas: [], deadLetters: [id] };
  if (parsed.ok) {
    const saga = sagaFor(state, parsed.event.orderId, parsed.event.correlationId);
    saga.deadLetters.push(id);
    change.sagas.push(saga.orderId);
  }
  return change;
}

// ---- Views: what the page, the API and the terminal show.

export interface DeadLetterView {
  id: string;
  consumer: string;
  reason: string;
  attempts: number | null;
  at: string | null;
  source: string | null;
  orderId: string | null;
  eventType: string | null;
  eventId: string | null;
  invalidReason: string | null;
  /** Where each redrive put its copy. */
  redrives: string[];
}

export function deadLetterView(state: ViewerState, deadLetter: DeadLetter): DeadLetterView {
  return {
    id: deadLetter.id,
    consumer: deadLetter.consumer,
    reason: deadLetter.reason,
    attempts: deadLetter.attempts,
    at: deadLetter.at,
    source: deadLetter.source && positionText(deadLetter.source),
    orderId: deadLetter.event?.orderId ?? null,
    eventType: deadLetter.event?.type ?? null,
    eventId: deadLetter.event?.id ?? null,
    invalidReason: deadLetter.invalidReason,
    redrives: (state.redrives.get(deadLetter.id) ?? []).map(positionText),
  };
}

/** Every dead letter, newest first. */
export const deadLetterViews = (state: ViewerState): DeadLetterView[] =>
  [...state.deadLetters.values()].map((d) => deadLetterView(state, d)).sort((a, b) => (b.at ?? "").localeCompare(a.at ?? "") || b.id.localeCompare(a.id));

export interface SagaSummary {
  orderId: string;
  correlationId: string;
  status: SagaStatus;
  transaction: string;
  startedAt: string | null;
  /** From the first step to the outcome; null while the saga runs. */
  durationMs: number | null;
  stepCount: number;
  failureReason: string | null;
  /** Dead letters of its events that no redrive has put back yet. */
  waitingDeadLetters: number;
}

export interface TimelineStep extends Step {
  sinceStartMs: number;
}

export interface SagaView extends SagaSummary {
  lanes: ServiceName[];
  steps: TimelineStep[];
  deadLetters: DeadLetterView[];
}

const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);

function summaryOf(state: ViewerState, saga: Saga): SagaSummary {
  const first = saga.steps.find((step) => step.type === "OrderCreated") ?? saga.steps[0];
  const outcome = saga.steps.find((step) => outcomes[step.type] !== undefined);
  return {
    orderId: saga.orderId,
    correlationId: saga.correlationId,
    status: outcome ? outcomes[outcome.type]! : "PENDING",
    transaction: transactionOf(saga.steps),
    startedAt: first?.occurredAt ?? null,
    durationMs: first && outcome ? ms(first.occurredAt, outcome.occurredAt) : null,
    stepCount: saga.steps.length,
    failureReason: outcome?.reason ?? null,
    waitingDeadLetters: saga.deadLetters.filter((id) => !state.redrives.has(id)).length,
  };
}

export function sagaView(state: ViewerState, orderId: string): SagaView | undefined {
  const saga = state.sagas.get(orderId);
  if (!saga) return undefined;
  const summary = summaryOf(state, saga);
  const start = summary.startedAt;
  return {
    ...summary,
    lanes: serviceNames,
    steps: saga.steps.map((step) => ({ ...step, sinceStartMs: start ? ms(start, step.occurredAt) : 0 })),
    deadLetters: saga.deadLetters.map((id) => deadLetterView(state, state.deadLetters.get(id)!)),
  };
}

export interface SagaFilter {
  status?: string;
  transaction?: string;
  /** Part of the order id. */
  q?: string;
  /** Only sagas with a dead letter still waiting. */
  stuck?: boolean;
  limit?: number;
}

/** The latest sagas first (by start), filtered. */
export function sagaSummaries(state: ViewerState, filter: SagaFilter = {}): SagaSummary[] {
  const q = filter.q?.trim().toLowerCase();
  return [...state.sagas.values()]
    .map((saga) => summaryOf(state, saga))
    .filter(
      (s) =>
        (!filter.status || s.status === filter.status) &&
        (!filter.transaction || s.transaction === filter.transaction) &&
        (!q || s.orderId.includes(q)) &&
        (!filter.stuck || s.waitingDeadLetters > 0),
    )
    .sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? ""))
    .slice(0, filter.limit ?? 200);
}
