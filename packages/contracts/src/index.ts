export * from "./events";
export * from "./topics";
export * from "./validate";
export * from "./describe";
export * from "./text";
