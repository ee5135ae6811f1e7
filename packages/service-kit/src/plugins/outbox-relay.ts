import { startOutboxRelay } from "@saga-shop/messaging";
import fp from "fastify-plugin";
import type { Logger } from "pino";

/** Publishes the service's outbox (see messaging's relay.ts); on close it publishes what is left, then stops. */
export const outboxRelayPlugin = fp<{ databaseUrl: string; instance: string }>(
  async (app, { databaseUrl, instance }) => {
    const relay = startOutboxRelay({ connectionString: databaseUrl, producer: app.kafka.producer, logger: app.log as Logger, instance });
    app.addHook("onClose", async () => {
      await relay.drain();
      await relay.stop();
    });
  },
  { name: "outbox-relay", dependencies: ["kafka", "database"] },
);
