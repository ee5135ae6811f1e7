import { parseEvent } from "@saga-shop/contracts";
import type { ConsumerDeps, IncomingMessage, MessageOutcome } from "./consumer-deps";
import { deadLetter } from "./dead-letter";
import type { HandlerWork } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";

export type Triage<Tx> = { work: HandlerWork<Tx> } | { done: MessageOutcome };

/** A message is an event this service handles, one it does not follow (skipped), or a dead letter. */
export async function triage<Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>, incoming: IncomingMessage): Promise<Triage<Tx>> {
  const parsed = parseEvent(incoming.message.value);
  if (!parsed.ok) return { done: await deadLetter(deps, incoming, parsed.reason, 0) };
  const handler = deps.handlers[parsed.event.type];
  if (!handler) {
    deps.logger.debug({ orderId: parsed.event.orderId, eventType: parsed.event.type }, "event not for this service; skipped");
    return { done: "ignored" };
  }
  return { work: { event: parsed.event, handler } };
}
