import type { ServiceName } from "@saga-shop/contracts";
import type { SqlTransaction } from "@saga-shop/messaging";
import { buildServiceApp } from "./app";
import type { ServiceDatabase, ServiceDefinition } from "./definition";

/**
 * The process around a service: build its app, listen, and close it gracefully (no new requests,
 * in-flight work finished, the consumer left, the outbox drained) on SIGTERM or Ctrl-C.
 */
export function runService<S extends ServiceName, Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction, Settings>(
  definition: ServiceDefinition<S, Db, Tx, Settings>,
): void {
  const start = async () => {
    const app = buildServiceApp(definition);
    const url = await app.listen({ host: app.config.host, port: app.config.port });
    app.log.info({ url }, `${definition.name} service ready`);
    const shutdown = (signal: string) => {
      app.log.info({ signal }, "stopping: no new requests, finishing in-flight work");
      setTimeout(() => process.exit(1), 20_000).unref();
      app.close().then(
        () => {
          app.log.info("stopped");
          process.exit(0);
        },
        () => process.exit(1),
      );
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  };
  start().catch((error) => {
    console.error(`${definition.name} service failed to start:`, error);
    process.exit(1);
  });
}
