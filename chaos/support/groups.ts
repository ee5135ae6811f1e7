import { consumerGroupOf, eventsConsumedBy, readersOf, sagaTopics, serviceNames, topicsFollowedBy, type ServiceName } from "@saga-shop/contracts";

// The consumer groups as the suite checks them: which topics each service's group follows and
// which event types it acts on, straight from the saga map.

export const groups = Object.fromEntries(
  serviceNames.map((service) => [service, { groupId: consumerGroupOf(service), topics: topicsFollowedBy(service), handles: eventsConsumedBy(service) as string[] }]),
) as Record<ServiceName, { groupId: string; topics: string[]; handles: string[] }>;

/** Every topic of the saga map: the events, and the orchestrated saga's commands and replies. */
export const sagaTopicList = sagaTopics();

/** The services whose groups read `topic`. */
export const consumersOf = readersOf;
