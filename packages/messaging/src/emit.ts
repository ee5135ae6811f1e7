import type { EventDraft, SagaEvent, ServiceName } from "@saga-shop/contracts";
import type { Logger } from "pino";
import { toEnvelope, type SagaContext } from "./envelope";
import type { BeforeCommit, TransactionRunner } from "./idempotent-handler";
import { addToOutbox, type SqlTransaction } from "./outbox";
import { logEmitted } from "./report";

/** Emits events from inside a transaction: wrapped in their envelope, stored in its outbox. */
export type Emit = (drafts: EventDraft[], context: SagaContext) => Promise<SagaEvent[]>;

/**
 * A transaction that emits events, for what starts a saga (an HTTP request) rather than reacts
 * to an event: the same envelopes, outbox and before-commit hook as an event handler's (see
 * handleAllOnce), and the same sentence in the log once the transaction has committed.
 */
export function emittingTransactions<Tx extends SqlTransaction>(deps: {
  db: TransactionRunner<Tx>;
  service: ServiceName;
  logger: Logger;
  beforeCommit?: BeforeCommit<Tx>;
}) {
  return async function inTransaction<R>(work: (tx: Tx, emit: Emit) => Promise<R>): Promise<R> {
    const emitted: SagaEvent[] = [];
    const result = await deps.db.$transaction(async (tx) => {
      const result = await work(tx, async (drafts, context) => {
        const events = drafts.map((draft) => toEnvelope(draft, deps.service, context));
        await addToOutbox(tx, events);
        emitted.push(...events);
        return events;
      });
      if (emitted.length > 0) await deps.beforeCommit?.(tx, { handled: [], emitted });
      return result;
    });
    logEmitted(deps.logger, emitted);
    return result;
  };
}
