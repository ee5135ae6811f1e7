// `pnpm start`: the whole system on this machine, without Docker. Builds, starts a real Kafka
// broker (jars from Maven Central), prepares the four databases, creates the topics, runs the
// four services with readable logs, and stops everything it started on Ctrl-C.
import { join } from "node:path";
import { prepareDatabases } from "./lib/databases.mjs";
import { kafka, root, run, servicePorts, services, start } from "./lib/run.mjs";

run(process.execPath, [join(root, "scripts", "build.mjs")]);
kafka("start");
const databaseUrls = await prepareDatabases();
run(process.execPath, [join(root, "packages/messaging/dist/create-topics.js")]);

const children = services.map((service) =>
  start(process.execPath, [join(root, "services", service, "dist", "main.js")], {
    env: {
      ...process.env,
      PORT: String(servicePorts[service]),
      DATABASE_URL: databaseUrls[service],
      KAFKA_BROKERS: "127.0.0.1:9092",
      LOG_PRETTY: process.env.LOG_PRETTY ?? "1",
    },
  }),
);
console.log(`\nsaga-shop is starting: order :3001, user :3002, payment :3003, delivery :3004 (Ctrl-C stops all)\n`);

let stopping = false;
async function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the services, then Kafka...`);
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => child.exited));
  kafka("stop");
  process.exit(0);
}
process.on("SIGINT", () => void stopAll("SIGINT"));
process.on("SIGTERM", () => void stopAll("SIGTERM"));
// If a service dies on its own, the system is not whole: say so and stop the rest.
for (const [i, child] of children.entries()) {
  child.exited.then((code) => {
    if (!stopping) {
      console.error(`${services[i]} service exited (${code}); stopping everything`);
      void stopAll("service exit");
    }
  });
}
