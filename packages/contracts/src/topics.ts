import type { ServiceName } from "./services";

/** One topic per producing service; key = orderId, so one saga's events keep their order. */
export const topicOf = (producer: ServiceName): string => `${producer}.events`;

/** Where a consumer puts what it could not process, with the reason. One per consumer group. */
export const deadLetterTopicOf = (consumer: ServiceName): string => `${consumer}.dead-letter`;

export const TOPIC_PARTITIONS = 6;
