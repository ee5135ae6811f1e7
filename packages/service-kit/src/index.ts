export * from "./api-docs";
export * from "./config";
export * from "./http";
export * from "./logger";
export * from "./run-service";
export { applyMigrations } from "./database/migrate";
