import { topicOf, type SagaEvent } from "@saga-shop/contracts";

/**
 * The one thing the outbox needs from a database transaction: run a parameterised statement.
 * A Prisma interactive-transaction client fits it, so events join the service's own transaction.
 */
export interface SqlTransaction {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
}

/** Stores events to be published; call it inside the transaction that makes the change. */
export async function addToOutbox(tx: SqlTransaction, events: readonly SagaEvent[]): Promise<void> {
  for (const event of events) {
    await tx.$executeRaw`
      INSERT INTO outbox (event_id, topic, key, event)
      VALUES (${event.id}::uuid, ${topicOf(event.producer)}, ${event.orderId}, ${JSON.stringify(event)}::jsonb)`;
  }
}
