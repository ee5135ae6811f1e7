// `node packages/messaging/dist/kafka-status.js` (`pnpm kafka:status`): the cluster at
// KAFKA_BROKERS, as plain text (cluster-status.ts), then exits; 1 with the reason if it cannot.
import pino from "pino";
import { formatClusterStatus, readClusterStatus } from "./cluster-status";
import { createKafka } from "./kafka";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
// kafkajs's own warnings (a broker down) go to stderr, apart from the picture.
const kafkaLogs = pino({ name: "kafka-status", level: "error" }, pino.destination(2));

readClusterStatus(createKafka({ clientId: "kafka-status", brokers, logger: kafkaLogs }), brokers)
  .then((status) => process.stdout.write(`Kafka at ${brokers.join(",")}\n${formatClusterStatus(status)}`))
  .catch((error) => {
    console.error(`kafka:status: could not read the cluster at ${brokers.join(",")}: ${error.message}`);
    process.exit(1);
  });
