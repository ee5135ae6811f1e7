import { parseEvent } from "@saga-shop/contracts";
import type { ConsumerDeps, IncomingMessage, MessageOutcome } from "./consumer-deps";
import { deadLetter } from "./dead-letter";
import type { HandlerWork } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";

export type Triage<Tx> = { work: HandlerWork<Tx> } | { done: MessageOutcome };
export type Classified<Tx> = { work: HandlerWork<Tx> } | { ignored: true } | { poison: string };

/** What a message is, without acting on it: an event this service handles, one it does not follow, or poison (why). */
export function classify<Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>, incoming: IncomingMessage): Classified<Tx> {
  const parsed = parseEvent(incoming.message.value);
  if (!parsed.ok) return { poison: parsed.reason };
  const handler = deps.handlers[parsed.event.type];
  if (!handler) {
    deps.logger.debug({ orderId: parsed.event.orderId, eventType: parsed.event.type }, "event not for this service; skipped");
    return { ignored: true };
  }
  return { work: { event: parsed.event, handler } };
}

/** A message is an event this service handles, one it does not follow (skipped), or a dead letter (sent now). */
export async function triage<Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>, incoming: IncomingMessage): Promise<Triage<Tx>> {
  const classified = classify(deps, incoming);
  if ("poison" in classified) return { done: await deadLetter(deps, incoming, classified.poison, 0) };
  if ("ignored" in classified) return { done: "ignored" };
  return classified;
}
