import type { ServiceName } from "./services";

/** One topic per producing service; key = orderId, so one saga's events keep their order. */
export const topicOf = (producer: ServiceName): string => `${producer}.events`;

/** The orchestrated saga's commands to a participant, and its replies to the saga manager. */
export const commandTopicOf = (participant: ServiceName): string => `${participant}.commands`;
export const replyTopicOf = (manager: ServiceName): string => `${manager}.replies`;

/** Where a consumer puts what it could not process, with the reason. One per consumer group. */
export const deadLetterTopicOf = (consumer: ServiceName): string => `${consumer}.dead-letter`;

export const TOPIC_PARTITIONS = 6;
