// The four services of the shop and the port each listens on unless PORT says otherwise. The
// table is JSON (services.json) so that the root scripts (scripts/*.mjs) read the same one
// before anything is built.
import table from "./services.json";

export const services = table;
export type ServiceName = keyof typeof services;
export const serviceNames = Object.keys(table) as ServiceName[];

/** Each service is one Kafka consumer group; its instances share it. */
export const consumerGroupOf = (service: string): string => `${service}-service`;
