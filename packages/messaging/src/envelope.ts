import { randomUUID } from "node:crypto";
import { EVENT_VERSION, payloadProblem, type EventDraft, type SagaEvent, type ServiceName } from "@saga-shop/contracts";

/** Where an event sits in its saga: which order, which saga run, which event caused it. */
export interface SagaContext {
  orderId: string;
  correlationId: string;
  causationId: string | null;
}

/** The context for events caused by `cause`: same saga, and `cause` is their cause. */
export const causedBy = (cause: SagaEvent): SagaContext => ({
  orderId: cause.orderId,
  correlationId: cause.correlationId,
  causationId: cause.id,
});

/** Wraps a draft in the envelope; refuses a payload that breaks its schema (a bug, not bad input). */
export function toEnvelope(draft: EventDraft, producer: ServiceName, context: SagaContext, now = new Date()): SagaEvent {
  const problem = payloadProblem(draft.type, draft.payload);
  if (problem) throw new Error(`refusing to emit an invalid ${draft.type}: ${problem}`);
  return {
    id: randomUUID(),
    version: EVENT_VERSION,
    occurredAt: now.toISOString(),
    producer,
    ...context,
    ...draft,
  } as SagaEvent;
}
