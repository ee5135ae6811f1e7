import type { ConsumedBy, EventDraft, EventOf, EventType, MessageKind, SagaEvent, ServiceName } from "@saga-shop/contracts";
import { causedBy, toEnvelope } from "./envelope";
import { addToOutbox, type SqlTransaction } from "./outbox";

/** A service's reaction to one event type: change its own state in `tx`, return the events to emit. */
export type EventHandler<Tx, T extends EventType = EventType> = (event: EventOf<T>, tx: Tx) => Promise<EventDraft[]>;

/** Handlers for any event types: the mechanism's view (its own tests use made-up services). */
export type EventHandlers<Tx> = { [T in EventType]?: EventHandler<Tx, T> };

/**
 * Exactly the handlers the saga map (contracts' eventCatalogue) says service `S` consumes (of
 * kind `K`: events, commands or replies): one for each such type, required, and no other. A
 * service's topics follow from them.
 */
export type HandlersOf<S extends ServiceName, Tx, K extends MessageKind = MessageKind> = { [T in ConsumedBy<S, K>]: EventHandler<Tx, T> };

/** Any one of a service's handlers; the caller has already matched it to the event's type. */
type SomeEventHandler<Tx> = (event: never, tx: Tx) => Promise<EventDraft[]>;

export interface TransactionRunner<Tx extends SqlTransaction> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
}

export type HandleOutcome = { outcome: "processed"; emitted: SagaEvent[] } | { outcome: "duplicate" };

/** Runs once in each transaction, after the handlers: every event handled in it and every event it emits. */
export type BeforeCommit<Tx> = (tx: Tx, events: { handled: SagaEvent[]; emitted: SagaEvent[] }) => Promise<void>;

/** One event and the handler its type maps to. */
export interface HandlerWork<Tx> {
  event: SagaEvent;
  handler: SomeEventHandler<Tx>;
}

/**
 * The idempotent consumer: for each event, its id, the state change and the events it causes
 * are committed together, or not at all. A redelivered event finds its id and changes nothing.
 * Several events may share one transaction (a batch from one partition): fewer commits, and the
 * same all-or-nothing guarantee for the batch.
 */
export async function handleAllOnce<Tx extends SqlTransaction>(
  db: TransactionRunner<Tx>,
  service: ServiceName,
  work: readonly HandlerWork<Tx>[],
  /** The order service keeps its timeline so: one statement for all the steps of a batch. */
  beforeCommit?: BeforeCommit<Tx>,
): Promise<HandleOutcome[]> {
  return db.$transaction(async (tx) => {
    // One statement records every event of the batch; the ids it returns are the ones not seen before.
    const recorded = await tx.$queryRaw<{ event_id: string }[]>`
      INSERT INTO processed_events (event_id, event_type)
      SELECT * FROM unnest(${work.map((w) => w.event.id)}::uuid[], ${work.map((w) => w.event.type)}::text[])
      ON CONFLICT (event_id) DO NOTHING
      RETURNING event_id`;
    const firstTime = new Set(recorded.map((row) => row.event_id));
    const outcomes: HandleOutcome[] = [];
    const handled: SagaEvent[] = [];
    const allEmitted: SagaEvent[] = [];
    for (const { event, handler } of work) {
      // delete: a second copy of the same event in this batch is a duplicate too
      if (!firstTime.delete(event.id)) {
        outcomes.push({ outcome: "duplicate" });
        continue;
      }
      const drafts = await handler(event as never, tx);
      const emitted = drafts.map((draft) => toEnvelope(draft, service, causedBy(event)));
      handled.push(event);
      allEmitted.push(...emitted);
      outcomes.push({ outcome: "processed", emitted });
    }
    await addToOutbox(tx, allEmitted);
    if (handled.length > 0) await beforeCommit?.(tx, { handled, emitted: allEmitted });
    return outcomes;
  });
}

/** handleAllOnce for a single event. */
export async function handleOnce<Tx extends SqlTransaction>(
  db: TransactionRunner<Tx>,
  service: ServiceName,
  event: SagaEvent,
  handler: SomeEventHandler<Tx>,
  beforeCommit?: BeforeCommit<Tx>,
): Promise<HandleOutcome> {
  const [outcome] = await handleAllOnce(db, service, [{ event, handler }], beforeCommit);
  return outcome!;
}

/** Thrown by a handler for an event that can never succeed (e.g. an unknown order): no retries. */
export class UnprocessableEvent extends Error {
  override readonly name = "UnprocessableEvent";
}
