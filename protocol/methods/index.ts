export * from "./auth.ts";
export * from "./admin.ts";
export * from "./tasks.ts";
export * from "./conversations.ts";
export * from "./messages.ts";
export * from "./directory.ts";
export * from "./system.ts";
export * from "./events.ts";
