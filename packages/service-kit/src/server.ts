import type { ServiceName } from "@saga-shop/contracts";
import type { SqlTransaction } from "@saga-shop/messaging";
import { buildServiceApp } from "./app";
import type { ServiceDatabase, ServiceDefinition } from "./definition";

/** What serveUntilSignalled needs of an app: fastify's listen and close, and a logger. */
interface Closable {
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<unknown>;
  log: { info(object: object, message?: string): void; info(message: string): void };
}

/**
 * Listens, then on SIGTERM or Ctrl-C closes the app gracefully (no new requests, in-flight work
 * finished, everything its plugins opened closed) and exits; past `graceMs`, it exits anyway.
 * Resolves with the URL it listens on.
 */
export async function serveUntilSignalled(app: Closable, { host, port, graceMs }: { host: string; port: number; graceMs: number }): Promise<string> {
  const url = await app.listen({ host, port });
  const shutdown = (signal: string) => {
    app.log.info({ signal }, "stopping: no new requests, finishing in-flight work");
    setTimeout(() => process.exit(1), graceMs).unref();
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
  return url;
}

/**
 * The process around a service: build its app, listen, and close it gracefully (no new requests,
 * in-flight work finished, the consumer left, the outbox drained) on SIGTERM or Ctrl-C.
 */
export function runService<S extends ServiceName, Db extends ServiceDatabase<Tx>, Tx extends SqlTransaction, Settings>(
  definition: ServiceDefinition<S, Db, Tx, Settings>,
): void {
  const start = async () => {
    const app = buildServiceApp(definition);
    const url = await serveUntilSignalled(app, { host: app.config.host, port: app.config.port, graceMs: 20_000 });
    app.log.info({ url }, `${definition.name} service ready`);
  };
  start().catch((error) => {
    console.error(`${definition.name} service failed to start:`, error);
    process.exit(1);
  });
}
