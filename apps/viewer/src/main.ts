// `node apps/viewer/dist/main.js`: the viewer as a process. Listens, and closes gracefully (the
// page's event streams ended, the Kafka consumer left) on SIGTERM or Ctrl-C.
import { serveUntilSignalled } from "@saga-shop/service-kit";
import { buildViewerApp } from "./app";
import { loadViewerConfig } from "./config";

async function main() {
  const config = loadViewerConfig();
  const app = buildViewerApp(config);
  const url = await serveUntilSignalled(app, { host: config.host, port: config.port, graceMs: 10_000 });
  app.log.info({ url }, `viewer ready: open ${url.replace("127.0.0.1", "localhost")} (following the sagas of ${config.kafkaBrokers.join(",")})`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error("viewer failed to start:", error);
    process.exit(1);
  });
}
