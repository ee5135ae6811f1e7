import type { CommitEvents, ConsumerDeps, IncomingMessage, MessageOutcome, MessageSource, RetryControl } from "./consumer-deps";
import { handleAllOnce, type HandlerWork } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";
import { reportHandled } from "./report";
import { handleWithRetries } from "./retries";
import { deadLetter } from "./dead-letter";
import { classify, triage } from "./triage";

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
  const classified = batch.map((incoming) => classify(deps, incoming));
  const pending: { index: number; work: HandlerWork<Tx> }[] = [];
  classified.forEach((c, index) => {
    if ("ignored" in c) outcomes[index] = "ignored";
    else if ("work" in c) pending.push({ index, work: c.work });
  });
  // Poison is dead-lettered once the messages before it are done with, in offset order: never
  // while one before it waits (the partition is taken again from there, poison and all).
  const deadLetterPoison = async (from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const c = classified[index]!;
      if ("poison" in c) outcomes[index] = await deadLetter(deps, batch[index]!, c.poison, 0);
    }
  };
  if (pending.length === 0) {
    await deadLetterPoison(0, batch.length);
    return outcomes;
  }
  try {
    const results = await commit(pending.map((p) => p.work));
    results.forEach((result, k) => {
      outcomes[pending[k]!.index] = reportHandled(deps, pending[k]!.work.event, result);
    });
    await deadLetterPoison(0, batch.length);
  } catch (error) {
    deps.logger.debug({ err: error, events: pending.length }, "batch transaction failed; handling its events one by one");
    let done = 0;
    for (const { index, work } of pending) {
      await deadLetterPoison(done, index);
      outcomes[index] = await handleWithRetries(deps, work, batch[index]!, control);
      done = index + 1;
      // The messages after one that waits wait too: one partition, one order.
      if (outcomes[index] === "waits") {
        for (let i = index + 1; i < batch.length; i++) outcomes[i] = "waits";
        return outcomes;
      }
    }
    await deadLetterPoison(done, batch.length);
  }
  return outcomes;
}
