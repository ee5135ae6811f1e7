import type { CommitEvents, ConsumerDeps, IncomingMessage, MessageOutcome, MessageSource, RetryControl } from "./consumer-deps";
import { handleAllOnce, type HandlerWork } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";
import { reportHandled } from "./report";
import { handleWithRetries } from "./retries";
import { triage } from "./triage";

/** Handles a batch of events in one transaction of its own. */
export const inOneTransaction =
  <Tx extends SqlTransaction>(deps: ConsumerDeps<Tx>): CommitEvents<Tx> =>
  (work) =>
    handleAllOnce(deps.db, deps.service, work, deps.beforeCommit);

/**
 * Consumes one message: a message that is not a valid event is dead-lettered at once, an event
 * this service does not follow is skipped, any other is handled once with bounded retries.
 */
export async function consumeMessage<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  message: IncomingMessage["message"],
  source: MessageSource,
  control: RetryControl,
): Promise<MessageOutcome> {
  const triaged = await triage(deps, { message, source });
  if ("done" in triaged) return triaged.done;
  return handleWithRetries(deps, triaged.work, { message, source }, control);
}

/**
 * Consumes messages of one partition in order, handling all their events in ONE transaction
 * (shared with other partitions' batches when `commit` is a group commit): one commit for many
 * events. If that transaction fails, it goes back to one event at a time, so only the event at
 * fault is retried or dead-lettered and the others still get through.
 */
export async function consumeBatch<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  batch: readonly IncomingMessage[],
  control: RetryControl,
  commit: CommitEvents<Tx> = inOneTransaction(deps),
): Promise<MessageOutcome[]> {
  const outcomes: MessageOutcome[] = [];
  const pending: { index: number; work: HandlerWork<Tx> }[] = [];
  for (const [index, incoming] of batch.entries()) {
    const triaged = await triage(deps, incoming);
    if ("done" in triaged) outcomes[index] = triaged.done;
    else pending.push({ index, work: triaged.work });
  }
  if (pending.length === 0) return outcomes;
  try {
    const results = await commit(pending.map((p) => p.work));
    results.forEach((result, k) => {
      outcomes[pending[k]!.index] = reportHandled(deps, pending[k]!.work.event, result);
    });
  } catch (error) {
    deps.logger.debug({ err: error, events: pending.length }, "batch transaction failed; handling its events one by one");
    for (const [k, { index, work }] of pending.entries()) {
      outcomes[index] = await handleWithRetries(deps, work, batch[index]!, control);
      // The messages after one that waits wait too: one partition, one order.
      if (outcomes[index] === "waits") {
        for (const later of pending.slice(k + 1)) outcomes[later.index] = "waits";
        for (let i = index + 1; i < batch.length; i++) outcomes[i] = "waits";
        break;
      }
    }
  }
  return outcomes;
}
