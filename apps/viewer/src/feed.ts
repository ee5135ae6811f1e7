// The viewer's I/O: it follows the topics into the state, asks the order service how each saga
// runs, describes the consumer groups, and redrives dead letters. The decisions are state.ts and
// redrive-rule.ts; this file only fetches what they need and carries out what they decide.
import { randomUUID } from "node:crypto";
import { createKafka, createKafkaInspector, createProducer, followTopics, redrive, type GroupReport } from "@saga-shop/messaging";
import type { Logger } from "pino";
import { redriveDecision, waitingDeadLetters, type RedriveDecision } from "./redrive-rule";
import { applyRecord, createState, positionText, type Change, type ViewerState } from "./state";
import { consumerGroups, deadLetterTopics, followedTopics } from "./topics";

export type RedriveResult =
  | { id: string; outcome: "redriven"; to: string; note: string | null }
  | { id: string; outcome: "refused"; reason: string };

export interface Feed {
  state: ViewerState;
  /** Called after each batch of records with what it changed. */
  onChange(listener: (change: Change) => void): void;
  groups(): Promise<GroupReport[]>;
  redrive(id: string): Promise<RedriveResult>;
  /** Every dead letter no redrive has put back yet, earlier events of an order first. */
  redriveAll(): Promise<RedriveResult[]>;
  isUp(): Promise<boolean>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFeed(options: { brokers: string[]; logger: Logger; onCrash(error: Error): void }): Promise<Feed> {
  const { logger } = options;
  const kafka = createKafka({ clientId: "viewer", brokers: options.brokers, logger });
  const state = createState(deadLetterTopics);
  const listeners: ((change: Change) => void)[] = [];
  const emit = (change: Change) => {
    if (change.sagas.length || change.deadLetters.length) for (const listener of listeners) listener(change);
  };

  const producer = createProducer(kafka);
  await producer.connect();
  const inspector = await createKafkaInspector(kafka);
  // A group of its own per start: it reads everything from the beginning and commits nothing.
  const groupId = `viewer-${randomUUID()}`;
  const follower = await followTopics(kafka, {
    groupId,
    topics: followedTopics,
    onCrash: options.onCrash,
    onMessages(messages) {
      const change: Change = { sagas: [], deadLetters: [] };
      for (const message of messages) {
        const one = applyRecord(state, message);
        change.sagas.push(...one.sagas);
        change.deadLetters.push(...one.deadLetters);
      }
      emit(change);
    },
  });
  logger.info({ groupId, topics: followedTopics }, `following ${followedTopics.length} topics from the beginning`);

  /** Redrives sent from here whose copies the follower has not read yet. */
  const sent = new Set<string>();

  async function decide(id: string): Promise<RedriveDecision> {
    const deadLetter = state.deadLetters.get(id);
    // The follower may be a little behind the consumer it is asked about: give it a few seconds.
    for (let attempt = 1; ; attempt++) {
      const facts = deadLetter?.source
        ? {
            committedOffset: await inspector.committedOffset(consumerGroups.find((g) => g.service === deadLetter.consumer)?.groupId ?? "", deadLetter.source.topic, deadLetter.source.partition),
            deadLetterEnds: await inspector.endOffsets(deadLetter.topic),
            sent,
          }
        : { committedOffset: -1, deadLetterEnds: new Map<number, number>(), sent };
      for (const sentId of [...sent]) if (state.redrives.has(sentId)) sent.delete(sentId);
      const decision = redriveDecision(state, id, facts);
      if (decision.redrive || !decision.retry || attempt >= 30) return decision;
      await sleep(200);
    }
  }

  async function redriveOne(id: string): Promise<RedriveResult> {
    const decision = await decide(id);
    if (!decision.redrive) {
      logger.info({ deadLetter: id, reason: decision.reason }, `redrive of ${id} refused: ${decision.reason}`);
      return { id, outcome: "refused", reason: decision.reason };
    }
    const deadLetter = state.deadLetters.get(id)!;
    const source = deadLetter.source!;
    const offset = await redrive(producer, { id, key: deadLetter.key, value: deadLetter.value, headers: deadLetter.headers, source });
    sent.add(id);
    const to = positionText({ ...source, offset });
    logger.info({ deadLetter: id, to, orderId: deadLetter.event?.orderId }, `dead letter ${id} redriven to ${to}${decision.note ? ` (${decision.note})` : ""}`);
    return { id, outcome: "redriven", to, note: decision.note };
  }

  // One redrive at a time: each decision must see the ones before it.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    state,
    onChange: (listener) => void listeners.push(listener),
    groups: () => inspector.groups(consumerGroups),
    redrive: (id) => serially(() => redriveOne(id)),
    redriveAll: () =>
      serially(async () => {
        const results: RedriveResult[] = [];
        for (const deadLetter of waitingDeadLetters(state, sent)) results.push(await redriveOne(deadLetter.id));
        return results;
      }),
    isUp: () => inspector.isUp(),
    async stop() {
      await follower.stop();
      await Promise.allSettled([producer.disconnect(), inspector.close()]);
    },
  };
}
