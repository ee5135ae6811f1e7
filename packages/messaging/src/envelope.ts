import { randomUUID } from "node:crypto";
import {
  EVENT_VERSION,
  eventCatalogue,
  payloadProblem,
  type EventDraft,
  type SagaEvent,
  type ServiceName,
} from "@saga-shop/contracts";

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

/** The context of a saga's first event: a new correlation id, nothing before it. */
export const startsSaga = (orderId: string): SagaContext => ({ orderId, correlationId: randomUUID(), causationId: null });

/** Wraps a draft in the envelope; refuses a payload that breaks its schema (a bug, not bad input). */
export function toEnvelope(draft: EventDraft, producer: ServiceName, context: SagaContext, now = new Date()): SagaEvent {
  const owner = eventCatalogue[draft.type].producer;
  if (owner !== producer) throw new Error(`${producer} cannot emit ${draft.type}: only ${owner} does`);
  const problem = payloadProblem(draft.type, draft.payload);
  if (problem) throw new Error(`refusing to emit an invalid ${draft.type}: ${problem}`);
  return {
    id: randomUUID(),
    type: draft.type,
    version: EVENT_VERSION,
    occurredAt: now.toISOString(),
    orderId: context.orderId,
    correlationId: context.correlationId,
    causationId: context.causationId,
    producer,
    payload: draft.payload,
  } as SagaEvent;
}
