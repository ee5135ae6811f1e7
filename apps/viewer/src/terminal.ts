// The timeline as plain lines for a terminal (`pnpm watch`), the same facts as the page: one line
// per event (lane, type, where it is, time since the saga started, compensation, reason), one per
// dead letter and redrive, one for the outcome. No colour: words say what colour would.
import type { DeadLetterView, SagaView, TimelineStep } from "./state";

const short = (orderId: string | null) => (orderId ? orderId.slice(0, 8) : "--------");
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`);
const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));
/** A reason's last line: what a multi-line error (Prisma's quote the code) comes down to. */
export const headline = (reason: string) => reason.split("\n").map((line) => line.trim()).filter(Boolean).at(-1) ?? reason;

/** `7b50a18f  +249 ms    payment   PaymentRefunded    payment.events/5@2  COMPENSATION (undoes PaymentCompleted)  payment of …; reason: …` */
export function stepLine(orderId: string, step: TimelineStep): string {
  const compensation = step.compensation ? `COMPENSATION (undoes ${step.undoes})  ` : "";
  const redriven = step.redrives > 0 ? `  [redriven x${step.redrives}]` : "";
  const reason = step.reason && !step.summary.includes(step.reason) ? `; reason: ${step.reason}` : "";
  return [
    short(orderId),
    "  ",
    pad(`+${duration(Math.max(0, step.sinceStartMs))}`, 10),
    pad(step.producer, 10),
    pad(step.type, 19),
    pad(`${step.topic}/${step.partition}@${step.offset}`, 20),
    " ",
    compensation,
    step.summary.replaceAll(orderId, short(orderId)),
    reason,
    redriven,
  ].join("");
}

/** The saga's end: `7b50a18f  CANCELLED after 318 ms (choreography): delivery failed: …` */
export function outcomeLine(view: SagaView): string {
  const took = view.durationMs === null ? "" : ` after ${duration(view.durationMs)}`;
  return `${short(view.orderId)}  ${view.status}${took} (${view.transaction})${view.failureReason ? `: ${view.failureReason}` : ""}`;
}

/** `7b50a18f  DEAD LETTER  payment could not process CreditReserved from user.events/1@3 after 5 attempts: … [payment.dead-letter/0@0]` */
export function deadLetterLine(deadLetter: DeadLetterView): string {
  const what = deadLetter.eventType ?? "a message that is not an event";
  const attempts = deadLetter.attempts === null ? "" : ` after ${deadLetter.attempts} attempt${deadLetter.attempts === 1 ? "" : "s"}`;
  return `${short(deadLetter.orderId)}  DEAD LETTER  ${deadLetter.consumer} could not process ${what} from ${deadLetter.source ?? "?"}${attempts}: ${headline(deadLetter.reason)}  [${deadLetter.id}]`;
}

/** `7b50a18f  REDRIVEN     payment.dead-letter/0@0 back to user.events/1@7` */
export const redriveLine = (deadLetter: DeadLetterView, to: string) => `${short(deadLetter.orderId)}  REDRIVEN     ${deadLetter.id} back to ${to}`;

/** Every line of a saga so far, for `pnpm watch <orderId>`: its events and dead letters in time order, then its outcome. */
export function timelineLines(view: SagaView): string[] {
  const start = view.startedAt ? Date.parse(view.startedAt) : 0;
  const lines = [
    ...view.steps.map((step) => ({ at: Date.parse(step.occurredAt), line: stepLine(view.orderId, step) })),
    ...view.deadLetters.flatMap((d) => [
      { at: d.at ? Date.parse(d.at) : start, line: deadLetterLine(d) },
      ...d.redrives.map((to) => ({ at: Number.POSITIVE_INFINITY, line: redriveLine(d, to) })),
    ]),
  ].sort((a, b) => a.at - b.at);
  return [...lines.map((l) => l.line), ...(view.status !== "PENDING" ? [outcomeLine(view)] : [])];
}

/** Tracks what has been printed, so a saga's new facts are printed once as they arrive. */
export function printer(write: (line: string) => void) {
  const printed = new Set<string>();
  const once = (key: string, line: string) => {
    if (printed.has(key)) return;
    printed.add(key);
    write(line);
  };
  return {
    /** Marks what a saga already showed as printed, without printing it (`pnpm watch` shows only what happens from now on). */
    skip(view: SagaView) {
      for (const step of view.steps) printed.add(`step:${step.eventId}`);
      for (const d of view.deadLetters) this.skipDeadLetter(d);
      if (view.status !== "PENDING") printed.add(`outcome:${view.orderId}`);
    },
    /** Marks a saga's first `count` steps as printed (and its outcome, if it was among them). */
    skipFirst(view: SagaView, count: number) {
      for (const step of view.steps.slice(0, count)) printed.add(`step:${step.eventId}`);
      if (count >= view.steps.length && view.status !== "PENDING") printed.add(`outcome:${view.orderId}`);
    },
    skipDeadLetter(d: DeadLetterView) {
      printed.add(`dead:${d.id}`);
      for (const to of d.redrives) printed.add(`redrive:${d.id}:${to}`);
    },
    saga(view: SagaView) {
      for (const step of view.steps) once(`step:${step.eventId}`, stepLine(view.orderId, step));
      for (const d of view.deadLetters) this.deadLetter(d);
      if (view.status !== "PENDING") once(`outcome:${view.orderId}`, outcomeLine(view));
    },
    deadLetter(d: DeadLetterView) {
      once(`dead:${d.id}`, deadLetterLine(d));
      for (const to of d.redrives) once(`redrive:${d.id}:${to}`, redriveLine(d, to));
    },
  };
}
