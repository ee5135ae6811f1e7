import { describeEvent, isCompensation, type SagaEvent } from "@saga-shop/contracts";
import type { ConsumerDeps, MessageOutcome } from "./consumer-deps";
import type { HandleOutcome } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";

/**
 * Tells the saga's story in the logs: one sentence per event emitted (compensations flagged),
 * and a line for a redelivery that was recognised and ignored.
 */
export function reportHandled<Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>, cause: SagaEvent, result: HandleOutcome): MessageOutcome {
  const log = deps.logger.child({ orderId: cause.orderId, correlationId: cause.correlationId });
  if (result.outcome === "duplicate") {
    log.info({ eventId: cause.id, eventType: cause.type }, `${cause.type} already processed; redelivery ignored`);
    return "duplicate";
  }
  log.debug({ eventId: cause.id, eventType: cause.type }, `${cause.type} handled`);
  for (const event of result.emitted) {
    const fields = { eventId: event.id, eventType: event.type, causationId: cause.id };
    log.info(isCompensation(event) ? { ...fields, compensation: true } : fields, describeEvent(event));
  }
  return "processed";
}
