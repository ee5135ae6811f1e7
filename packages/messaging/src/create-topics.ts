// `node packages/messaging/dist/create-topics.js`: creates the saga's topics, then exits.
// Used by `pnpm start`, the tests and docker compose's kafka-init, so all create them alike.
import pino from "pino";
import { createKafka } from "./kafka";
import { ensureTopics } from "./topics-admin";

const logger = pino({ name: "create-topics" });
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");

ensureTopics(createKafka({ clientId: "create-topics", brokers, logger }))
  .then((created) => logger.info({ created }, created.length ? "topics created" : "all topics already exist"))
  .catch((error) => {
    logger.error({ err: error }, "could not create topics");
    process.exit(1);
  });
