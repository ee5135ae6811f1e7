export * from "./api-docs";
export * from "./app";
export * from "./config";
export * from "./definition";
export * from "./http";
export * from "./logger";
export * from "./server";
export type { ParticipantDefinition } from "./plugins/participant-api";
export { applyMigrations } from "./database/migrate";
