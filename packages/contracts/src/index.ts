export * from "./services";
export * from "./events";
export * from "./saga-map";
export * from "./topics";
export * from "./validate";
export * from "./describe";
export * as reasons from "./reasons";
export * from "./two-phase-commit";
export * from "./text";
