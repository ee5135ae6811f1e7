// `node packages/messaging/dist/create-topics.js`: creates the saga's topics, then exits.
// Used by `pnpm start`, the tests and docker compose's kafka-init, so all create them alike.
// It speaks in plain lines (not JSON logs): its output lands in the middle of `pnpm start`'s.
import pino from "pino";
import { createKafka } from "./kafka";
import { allTopics, describeSettings, ensureTopics } from "./topics-admin";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
// kafkajs's own warnings (a broker still starting) still reach stderr.
const kafkaLogs = pino({ name: "create-topics", level: "warn" }, pino.destination(2));

ensureTopics(createKafka({ clientId: "create-topics", brokers, logger: kafkaLogs }))
  .then(({ created, brokers, settings }) => {
    const existing = allTopics().length - created.length;
    const what = created.length ? `created ${created.join(", ")}${existing ? ` (${existing} existed)` : ""}` : `all ${existing} exist`;
    console.log(`topics: ${describeSettings(brokers, settings)} — ${what}`);
  })
  .catch((error) => {
    console.error(`topics: could not create them on ${brokers.join(",")}: ${error.message}`);
    process.exit(1);
  });
