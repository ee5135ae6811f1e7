import { Kafka, logLevel, Partitioners, type IHeaders, type LogEntry, type Producer } from "kafkajs";
import type { Logger } from "pino";
import { countRequests } from "./request-counts";

const pinoLevel: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** A kafkajs client whose logs go to the service's pino logger. */
export function createKafka(options: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  const log = options.logger.child({ component: "kafkajs" });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // kafkajs logs each reconnect attempt as an error; keep those at warn so real errors stand out.
    logLevel: process.env.KAFKA_DEBUG ? logLevel.DEBUG : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }: LogEntry) => {
        const { timestamp: _t, logger: _l, ...fields } = extra as Record<string, unknown>;
        // Bounded producer retries are deliberate: the relay re-sends what failed, consumers dedupe.
        if (message.startsWith("Limiting retries for the idempotent producer")) return;
        log[level === logLevel.ERROR ? "warn" : (pinoLevel[level] ?? "info")](fields, message);
      },
    retry: { initialRetryTime: 100, retries: 10 },
  });
  return countRequests(kafka);
}

/**
 * Idempotent producer: the broker drops duplicates caused by the producer's own retries, and
 * one request in flight keeps messages of a partition in the order they were sent.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Murmur2 on the key, as the Java client does: one orderId, one partition, whatever the client.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** A message's headers as text (kafkajs gives Buffers, or arrays of them for a repeated name). */
export const headersAsText = (original: IHeaders | undefined): Record<string, string> => {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(original ?? {})) {
    if (value !== undefined) text[name] = Array.isArray(value) ? value.join(",") : value.toString();
  }
  return text;
};

/**
 * The partition the producer sends a message with this key to, of a topic of `partitions`
 * partitions: the default partitioner's murmur2 of the key, as the Java client does. Messages of
 * one partition are consumed in order, so one that waits holds up those behind it on its
 * partition, whatever their key (the blocking demo says which orders share a partition).
 */
export function partitionOfKey(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return partitioner({ topic: "", partitionMetadata, message: { key, value: null } });
}
