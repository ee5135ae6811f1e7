// `node apps/viewer/dist/main.js`: the viewer as a process. Listens, and closes gracefully (the
// page's event streams ended, the Kafka consumer left) on SIGTERM or Ctrl-C.
import { buildViewerApp } from "./app";
import { loadViewerConfig } from "./config";

async function main() {
  const config = loadViewerConfig();
  const app = buildViewerApp(config);
  const url = await app.listen({ host: config.host, port: config.port });
  app.log.info({ url }, `viewer ready: open ${url.replace("127.0.0.1", "localhost")} (following the sagas of ${config.kafkaBrokers.join(",")})`);
  const shutdown = (signal: string) => {
    app.log.info({ signal }, "stopping");
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

if (require.main === module) {
  main().catch((error) => {
    console.error("viewer failed to start:", error);
    process.exit(1);
  });
}
