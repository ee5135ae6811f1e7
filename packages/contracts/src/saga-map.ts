// Views of the saga map (eventCatalogue in events.ts): who follows what, on which topics. Every
// list a service, a harness or the README needs is computed here, never written out again.
import { eventCatalogue, eventTypes, type EventType, type SagaEvent } from "./events";
import type { ServiceName } from "./services";
import { topicOf } from "./topics";

type Catalogue = typeof eventCatalogue;

/** The event types `S` reacts to, as a type: a service's handlers must cover exactly these. */
export type ConsumedBy<S extends ServiceName> = {
  [T in EventType]: S extends Catalogue[T]["consumers"][number] ? T : never;
}[EventType];

export const producerOf = (type: EventType): ServiceName => eventCatalogue[type].producer;

export const consumersOf = (type: EventType): readonly ServiceName[] => eventCatalogue[type].consumers;

/** The event types `service` reacts to, in catalogue order. */
export const eventsConsumedBy = (service: ServiceName): EventType[] => eventTypes.filter((type) => consumersOf(type).includes(service));

/** The event types `service` emits. */
export const eventsProducedBy = (service: ServiceName): EventType[] => eventTypes.filter((type) => producerOf(type) === service);

/** The topics carrying `types`: one per producing service. */
export const topicsCarrying = (types: readonly EventType[]): string[] => [...new Set(types.map((type) => topicOf(producerOf(type))))];

/** The topics `service`'s consumer group follows. */
export const topicsFollowedBy = (service: ServiceName): string[] => topicsCarrying(eventsConsumedBy(service));

/** The services that read `topic` (whether or not they act on every type on it). */
export const readersOf = (topic: string): ServiceName[] =>
  [...new Set(eventTypes.filter((type) => topicOf(producerOf(type)) === topic).flatMap((type) => consumersOf(type)))];

/** Compensations undo an earlier step; they are what a reader of the logs most needs to see. */
export const isCompensation = (event: Pick<SagaEvent, "type">): boolean => "undoes" in eventCatalogue[event.type];
