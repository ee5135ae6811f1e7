// When may a dead letter go back on its source topic? A redrive appends a copy at the END of the
// source partition, so the consumer meets it after everything already there. The consumers are
// idempotent (a copy of an event they have applied changes nothing), so the only harm a redrive
// can do is to apply one order's events in another order than they were published. Within one
// order, one partition and the one consumer that dead-lettered it, the events that consumer acts
// on must be applied in the order they first appeared; this rule refuses any redrive that breaks it.
import { eventsConsumedBy, serviceNames, type ServiceName } from "@saga-shop/contracts";
import { deadLetteredKey, partitionKey, positionText, type DeadLetter, type Position, type ViewerState } from "./state";

/** What the viewer asks Kafka just before deciding (the state alone cannot know it). */
export interface RedriveFacts {
  /** The dead-lettering consumer's committed offset on the source partition: it has handled every message before it. -1: none. */
  committedOffset: number;
  /** The end offset of each partition of that consumer's dead-letter topic, read after committedOffset. */
  deadLetterEnds: ReadonlyMap<number, number>;
  /** Dead letters redriven from here whose copies the viewer has not read yet. */
  sent: ReadonlySet<string>;
}

export type RedriveDecision =
  | { redrive: true; note: string | null }
  /** `retry`: the viewer has not read far enough yet; the same question a moment later may be answered. */
  | { redrive: false; reason: string; retry: boolean };

const refuse = (reason: string, retry = false): RedriveDecision => ({ redrive: false, reason, retry });

/** One event of the order on the partition, as the dead-lettering consumer has met it. */
interface EventState {
  id: string;
  type: string;
  /** Its first offset on the partition: its place in the order's sequence. */
  first: number;
  /** A copy the consumer handled and did not dead-letter (so it applied it, or found it already applied). */
  applied: Position | null;
  /** A copy the consumer has not reached yet, or one just sent. */
  inFlight: boolean;
}

export function redriveDecision(state: ViewerState, id: string, facts: RedriveFacts): RedriveDecision {
  const deadLetter = state.deadLetters.get(id);
  if (!deadLetter) return refuse(`there is no dead letter ${id}`);
  const { event, source } = deadLetter;
  if (!event) return refuse(`its value is not a valid event (${deadLetter.invalidReason}): a redrive would only dead-letter it again`);
  if (!source) return refuse("it has no dead-letter-source header, so where it came from is not known");
  if (!(serviceNames as string[]).includes(deadLetter.consumer)) return refuse(`${deadLetter.consumer} is not a service of the saga map`);
  const consumer = deadLetter.consumer as ServiceName;
  const where = `${source.topic}/${source.partition}`;

  const log = state.partitions.get(partitionKey(source.topic, source.partition));
  const read = log?.next ?? 0;
  if (facts.committedOffset <= source.offset) {
    return refuse(`${consumer} has not committed past the dead-lettered message (${positionText(source)}) yet; try again in a moment`, true);
  }
  if (read < facts.committedOffset) {
    return refuse(`the viewer has read ${where} up to offset ${read}, and ${consumer} has handled it up to ${facts.committedOffset}; try again in a moment`, true);
  }
  for (const [partition, end] of facts.deadLetterEnds) {
    const readDeadLetters = state.partitions.get(partitionKey(deadLetter.topic, partition))?.next ?? 0;
    if (readDeadLetters < end) return refuse(`the viewer has not read ${deadLetter.topic}/${partition} to its end (${readDeadLetters} of ${end}) yet; try again in a moment`, true);
  }

  // The order's events on this partition that the consumer acts on, in the order they first appeared.
  const handles = new Set<string>(eventsConsumedBy(consumer));
  const events = new Map<string, EventState>();
  for (const record of log?.records ?? []) {
    if (record.key !== deadLetter.key || !record.eventId || !record.type || !handles.has(record.type)) continue;
    let e = events.get(record.eventId);
    if (!e) {
      e = { id: record.eventId, type: record.type, first: record.offset, applied: null, inFlight: false };
      events.set(record.eventId, e);
    }
    const at = { topic: source.topic, partition: source.partition, offset: record.offset };
    if (record.offset >= facts.committedOffset) e.inFlight = true;
    else if (!state.deadLettered.has(deadLetteredKey(consumer, at))) e.applied ??= at;
  }
  for (const sentId of facts.sent) {
    const sent = state.deadLetters.get(sentId);
    if (sent?.event && !state.redrives.has(sentId)) {
      const e = events.get(sent.event.id);
      if (e) e.inFlight = true;
    }
  }

  const mine = events.get(event.id);
  if (!mine) return refuse(`${positionText(source)} does not hold ${event.type} of order ${event.orderId} as far as the viewer has read`);
  const order = `order ${event.orderId}`;
  if (mine.applied) {
    return { redrive: true, note: `${consumer} has already applied ${event.type} (${positionText(mine.applied)}): it will recognise the copy as a duplicate and change nothing` };
  }
  if (mine.inFlight) return { redrive: true, note: `a copy of ${event.type} is already on its way to ${consumer}: this one will be a duplicate it ignores` };

  const all = [...events.values()].sort((a, b) => a.first - b.first);
  const later = all.filter((e) => e.first > mine.first);
  const appliedLater = later.find((e) => e.applied);
  if (appliedLater) {
    return refuse(
      `${consumer} has already applied ${appliedLater.type} of ${order} (${positionText(appliedLater.applied!)}), which came after ${event.type} on ${where}: redriving ${event.type} now would apply it out of order`,
    );
  }
  const pendingLater = later.find((e) => e.inFlight);
  if (pendingLater) {
    return refuse(`${pendingLater.type} of ${order}, which came after ${event.type} on ${where}, is still ahead of ${consumer}: the copy would be applied after it, out of order`);
  }
  const stuckEarlier = all.find((e) => e.first < mine.first && !e.applied && !e.inFlight);
  if (stuckEarlier) {
    const first = waitingDeadLetterOf(state, consumer, stuckEarlier.id);
    return refuse(
      `${stuckEarlier.type} of ${order} came before ${event.type} on ${where} and ${consumer} has not applied it: redrive ${first ? first.id : "it"} first`,
    );
  }
  return { redrive: true, note: null };
}

/** The consumer's latest dead letter of an event that no redrive has put back yet. */
function waitingDeadLetterOf(state: ViewerState, consumer: string, eventId: string): DeadLetter | undefined {
  return [...state.deadLetters.values()].filter((d) => d.consumer === consumer && d.event?.id === eventId && !state.redrives.has(d.id)).at(-1);
}

/**
 * The dead letters `--all` redrives, in the order to redrive them: every one no redrive has put
 * back yet, by source partition and then by where its event first appeared there, so that one
 * order's earlier events go first (a copy dead-lettered again keeps its event's first place).
 */
export function waitingDeadLetters(state: ViewerState, sent: ReadonlySet<string>): DeadLetter[] {
  const firstOffset = (d: DeadLetter) => {
    const log = d.source && state.partitions.get(partitionKey(d.source.topic, d.source.partition));
    const first = d.event && log?.records.find((r) => r.eventId === d.event!.id);
    return first ? first.offset : (d.source?.offset ?? 0);
  };
  return [...state.deadLetters.values()]
    .filter((d) => !state.redrives.has(d.id) && !sent.has(d.id))
    .sort(
      (a, b) =>
        (a.source?.topic ?? "").localeCompare(b.source?.topic ?? "") ||
        (a.source?.partition ?? 0) - (b.source?.partition ?? 0) ||
        firstOffset(a) - firstOffset(b),
    );
}
