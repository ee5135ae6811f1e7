export * from "./consumer";
export * from "./envelope";
export * from "./idempotent-handler";
export * from "./kafka";
export * from "./outbox";
export * from "./relay";
export * from "./topics-admin";
