import { eventTypes, topicsCarrying, type EventType, type ServiceName } from "@saga-shop/contracts";
import { startEventConsumer, type BeforeCommit, type EventHandlers, type SqlTransaction, type TransactionRunner } from "@saga-shop/messaging";
import fp from "fastify-plugin";
import type { Logger } from "pino";

export interface EventConsumerOptions<Tx extends SqlTransaction> {
  service: ServiceName;
  /** This instance's name, in the words of each rebalance (payment-2 now owns ...). */
  member: string;
  db: TransactionRunner<Tx>;
  handlers: EventHandlers<Tx>;
  beforeCommit?: BeforeCommit<Tx>;
}

/**
 * The service's consumer group, following the topics that carry the event types it has handlers
 * for (the saga map says which topic carries which type). Stopped first when the app closes.
 */
export const eventConsumerPlugin = fp<EventConsumerOptions<SqlTransaction>>(
  async (app, { service, member, db, handlers, beforeCommit }) => {
    const logger = app.log as Logger;
    const handled = eventTypes.filter((type: EventType) => handlers[type] !== undefined);
    const consumer = await startEventConsumer(
      app.kafka.client,
      topicsCarrying(handled),
      { service, db, handlers, beforeCommit, producer: app.kafka.producer, logger, databaseIsUp: () => app.databaseIsUp() },
      (error) => {
        // kafkajs gave up on the consumer; exit so the supervisor restarts us with a fresh one.
        logger.fatal({ err: error }, "Kafka consumer crashed and will not restart; exiting");
        process.exit(1);
      },
      { member },
    );
    app.addHook("onClose", () => consumer.stop());
  },
  { name: "event-consumer", dependencies: ["kafka", "database", "outbox-relay"] },
);
