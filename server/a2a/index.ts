import type { HubContext } from "../hub-context.ts";
import { A2aBell } from "./bell.ts";
import { a2aRoutes } from "./routes.ts";
import { makeA2aService } from "./service.ts";

export { a2aHandlers } from "./handlers.ts";
export { A2aBell } from "./bell.ts";

/** The A2A edge: its HTTP route, and `close` for a graceful shutdown (ends open streams). */
export const a2aEdge = (hub: HubContext, bell: A2aBell) => a2aRoutes(hub, makeA2aService(hub, bell));
