import { describeEvent, isCompensation, type SagaEvent } from "@saga-shop/contracts";
import type { Logger } from "pino";
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
  logEmitted(deps.logger, result.emitted);
  return "processed";
}

/** One sentence per event emitted (committed), with its saga's ids; compensations flagged. */
export function logEmitted(logger: Logger, events: readonly SagaEvent[]): void {
  for (const event of events) {
    const fields = { orderId: event.orderId, correlationId: event.correlationId, eventId: event.id, eventType: event.type, causationId: event.causationId };
    logger.info(isCompensation(event) ? { ...fields, compensation: true } : fields, describeEvent(event));
  }
}
