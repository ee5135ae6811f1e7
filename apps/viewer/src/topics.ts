// What the viewer follows, from the saga map (contracts) and nothing written out here: every topic
// of the catalogue's messages, and the dead-letter topic and consumer group of every service that
// consumes any of them.
import { consumerGroupOf, consumersOf, deadLetterTopicOf, eventTypes, sagaTopics as sagaMapTopics, serviceNames, topicsFollowedBy, type ServiceName } from "@saga-shop/contracts";

/** The services that consume events: each has a consumer group and a dead-letter topic. */
export const consumerServices: ServiceName[] = serviceNames.filter((service) => eventTypes.some((type) => consumersOf(type).includes(service)));

export const sagaTopics: string[] = sagaMapTopics();

/** Dead-letter topic -> the consumer that writes it. */
export const deadLetterTopics: ReadonlyMap<string, ServiceName> = new Map(consumerServices.map((service) => [deadLetterTopicOf(service), service]));

export const followedTopics: string[] = [...sagaTopics, ...deadLetterTopics.keys()];

export const consumerGroups = consumerServices.map((service) => ({ service, groupId: consumerGroupOf(service), topics: topicsFollowedBy(service) }));
