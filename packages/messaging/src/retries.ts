import type { ConsumerDeps, IncomingMessage, MessageOutcome, RetryControl } from "./consumer-deps";
import { looksLikeOutage, waitsOnALock } from "./database-errors";
import { deadLetter } from "./dead-letter";
import { defaults } from "./definitions";
import { handleOnce, UnprocessableEvent, type HandlerWork } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";
import { reportHandled } from "./report";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Handles one event once (see handleOnce) with bounded retries and backoff. It never gives up
 * silently: an event its handler calls unprocessable, or one that keeps failing while the
 * database is up, goes to the dead-letter topic with the reason. While the database is down it
 * waits instead: that failure says nothing about the event, and dead-lettering it would lose a
 * good event. A row it needs locked by another transaction makes it wait too, but elsewhere:
 * it answers "waits", and the consumer takes it again a little later.
 */
export async function handleWithRetries<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  { event, handler }: HandlerWork<Tx>,
  incoming: IncomingMessage,
  control: RetryControl,
): Promise<MessageOutcome> {
  const retry = deps.retry ?? defaults.retry;
  const log = deps.logger.child({ orderId: event.orderId, correlationId: event.correlationId });
  // Only failures while the database is up count against the event: an outage is not its fault.
  for (let attempt = 1, eventFailures = 0; ; attempt++) {
    try {
      return reportHandled(deps, event, await handleOnce(deps.db, deps.service, event, handler, deps.beforeCommit));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof UnprocessableEvent) return deadLetter(deps, incoming, reason, attempt);
      // A row held by another transaction: no use waiting here, holding up the other partitions
      // (kafkajs fetches again only when every partition's batch of a fetch is done).
      if (waitsOnALock(error)) {
        log.warn({ eventId: event.id }, `${event.type} waits: a row it needs is held by another transaction (a two-phase commit in doubt?); it will be taken again`);
        return "waits";
      }
      const databaseUp = !looksLikeOutage(error) && (await deps.databaseIsUp());
      if (databaseUp) eventFailures++;
      if (eventFailures >= retry.attempts) return deadLetter(deps, incoming, reason, attempt);
      if (control.shouldStop()) throw error; // not committed: redelivered to whoever takes the partition
      const delay = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.min(attempt - 1, 10));
      log.warn({ err: error, attempt, databaseUp, eventId: event.id }, `handling ${event.type} failed; retrying in ${delay} ms`);
      await sleep(delay);
      await control.heartbeat();
    }
  }
}
