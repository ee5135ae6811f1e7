// The four services of the shop and the port each listens on unless PORT says otherwise.
// No imports on purpose: the root scripts (scripts/*.mjs) read this file as it is (Node strips
// the types), so it works before anything is built.
export const services = {
  order: { port: 3001, owns: "orders, their saga timeline" },
  user: { port: 3002, owns: "users, credit reservations" },
  payment: { port: 3003, owns: "payments (one per order: a unique key)" },
  delivery: { port: 3004, owns: "deliveries" },
} as const;

export type ServiceName = keyof typeof services;
export const serviceNames = Object.keys(services) as ServiceName[];

/** Each service is one Kafka consumer group; its instances share it. */
export const consumerGroupOf = (service: string): string => `${service}-service`;
