import type { ServiceName } from "@saga-shop/contracts";
import type { KafkaMessage, Producer } from "kafkajs";
import type { Logger } from "pino";
import type { RetryPolicy } from "./definitions";
import type { BeforeCommit, EventHandlers, HandleOutcome, HandlerWork, TransactionRunner } from "./idempotent-handler";
import type { SqlTransaction } from "./outbox";

/** What consuming needs, passed in (nothing is read from globals), so each step is one plain function. */
export interface ConsumerDeps<Tx extends SqlTransaction> {
  service: ServiceName;
  db: TransactionRunner<Tx>;
  handlers: EventHandlers<Tx>;
  /** Sends dead letters; the service's own producer. */
  producer: Producer;
  logger: Logger;
  /** Is the database reachable? A failure while it is not is the infrastructure's, never the event's. */
  databaseIsUp: () => Promise<boolean>;
  retry?: RetryPolicy;
  beforeCommit?: BeforeCommit<Tx>;
}

/** Handles events in one transaction: handleAllOnce itself, or a group commit around it. */
export type CommitEvents<Tx> = (work: HandlerWork<Tx>[]) => Promise<HandleOutcome[]>;

/**
 * What became of a message. "waits": not handled, a row it needs being locked by another
 * transaction (a two-phase commit in doubt); it is taken again later, and the messages after it
 * on its partition wait with it, so that one saga's order holds.
 */
export type MessageOutcome = "processed" | "duplicate" | "ignored" | "dead-lettered" | "waits";

export interface MessageSource {
  topic: string;
  partition: number;
  offset: string;
}

/** Lets a long retry keep the consumer's group membership alive, and stop when asked. */
export interface RetryControl {
  heartbeat(): Promise<void>;
  shouldStop(): boolean;
}

export interface IncomingMessage {
  message: Pick<KafkaMessage, "key" | "value" | "headers">;
  source: MessageSource;
}
