import { topicOfMessage, type SagaEvent } from "@saga-shop/contracts";

/**
 * The one thing the outbox needs from a database transaction: run a parameterised statement.
 * A Prisma interactive-transaction client fits it, so events join the service's own transaction.
 */
export interface SqlTransaction {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
}

/** Stores events to be published; call it inside the transaction that makes the change. */
export async function addToOutbox(tx: SqlTransaction, events: readonly SagaEvent[]): Promise<void> {
  if (events.length === 0) return;
  // One statement for any number of events; `seq` keeps their order.
  await tx.$executeRaw`
    INSERT INTO outbox (event_id, topic, key, event)
    SELECT event_id, topic, key, event FROM unnest(
      ${events.map((e) => e.id)}::uuid[],
      ${events.map(topicOfMessage)}::text[],
      ${events.map((e) => e.orderId)}::text[],
      ${events.map((e) => JSON.stringify(e))}::jsonb[]
    ) WITH ORDINALITY AS r(event_id, topic, key, event, n)
    ORDER BY n`;
}
