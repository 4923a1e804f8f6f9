export * from "./errors.ts";
export * from "./wire.ts";
export * from "./methods.ts";
