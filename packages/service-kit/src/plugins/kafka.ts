import { createKafka, createProducer } from "@saga-shop/messaging";
import fp from "fastify-plugin";
import type { Admin, Kafka, Producer } from "kafkajs";
import type { Logger } from "pino";

declare module "fastify" {
  interface FastifyInstance {
    kafka: { client: Kafka; producer: Producer; admin: Admin; isUp(): Promise<boolean> };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The service's Kafka client, its idempotent producer and an admin client (readiness), as `app.kafka`. */
export const kafkaPlugin = fp<{ clientId: string; brokers: string[] }>(
  async (app, { clientId, brokers }) => {
    const client = createKafka({ clientId, brokers, logger: app.log as Logger });
    const producer = createProducer(client);
    await producer.connect();
    const admin = client.admin();
    await admin.connect();
    app.decorate("kafka", { client, producer, admin, isUp: () => withTimeout(admin.describeCluster().then(() => true), 2000) });
    app.addHook("onClose", async () => {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    });
  },
  { name: "kafka" },
);
