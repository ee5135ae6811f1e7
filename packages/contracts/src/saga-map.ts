// Views of the saga map (eventCatalogue in events.ts): who follows what, on which topics. Every
// list a service, a harness or the README needs is computed here, never written out again.
import { eventCatalogue, eventTypes, type EventType, type MessageKind, type SagaEvent } from "./events";
import type { ServiceName } from "./services";
import { commandTopicOf, replyTopicOf, topicOf } from "./topics";

type Catalogue = typeof eventCatalogue;

/** The message types `S` reacts to (of kind `K`), as a type: a service's handlers must cover exactly these. */
export type ConsumedBy<S extends ServiceName, K extends MessageKind = MessageKind> = {
  [T in EventType]: S extends Catalogue[T]["consumers"][number] ? (Catalogue[T]["kind"] extends K ? T : never) : never;
}[EventType];

export const producerOf = (type: EventType): ServiceName => eventCatalogue[type].producer;

export const consumersOf = (type: EventType): readonly ServiceName[] => eventCatalogue[type].consumers;

/** The event types `service` reacts to, in catalogue order. */
export const eventsConsumedBy = (service: ServiceName): EventType[] => eventTypes.filter((type) => consumersOf(type).includes(service));

/** The event types `service` emits. */
export const eventsProducedBy = (service: ServiceName): EventType[] => eventTypes.filter((type) => producerOf(type) === service);

export const kindOf = (type: EventType): MessageKind => eventCatalogue[type].kind;

/**
 * The topic a message type travels on: an event on its producer's events topic, a command on its
 * participant's commands topic, a reply on the saga manager's replies topic. Key = orderId
 * everywhere, so one saga's messages on one topic keep their order.
 */
export function topicOfType(type: EventType): string {
  const { kind, producer, consumers } = eventCatalogue[type];
  if (kind === "event") return topicOf(producer);
  return kind === "command" ? commandTopicOf(consumers[0]!) : replyTopicOf(consumers[0]!);
}

/** The topic one message goes to: its type's (an event's is its producer's events topic). */
export const topicOfMessage = (message: Pick<SagaEvent, "type" | "producer">): string =>
  kindOf(message.type) === "event" ? topicOf(message.producer) : topicOfType(message.type);

/** The topics carrying `types`. */
export const topicsCarrying = (types: readonly EventType[]): string[] => [...new Set(types.map(topicOfType))];

/** Every topic of the saga map (events, commands, replies). */
export const sagaTopics = (): string[] => topicsCarrying(eventTypes);

/** The topics `service`'s consumer group follows. */
export const topicsFollowedBy = (service: ServiceName): string[] => topicsCarrying(eventsConsumedBy(service));

/** The services that read `topic` (whether or not they act on every type on it). */
export const readersOf = (topic: string): ServiceName[] =>
  [...new Set(eventTypes.filter((type) => topicOfType(type) === topic).flatMap((type) => consumersOf(type)))];

/** Compensations undo an earlier step; they are what a reader of the logs most needs to see. */
export const isCompensation = (event: Pick<SagaEvent, "type">): boolean => "undoes" in eventCatalogue[event.type];
