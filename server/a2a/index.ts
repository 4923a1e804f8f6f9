import type { HubContext } from "../hub-context.ts";
import { A2aBell } from "./bell.ts";
import { a2aRoutes } from "./routes.ts";
import { makeA2aPush } from "./push.ts";
import { makeA2aService } from "./service.ts";

export { a2aHandlers } from "./handlers.ts";
export { A2aBell } from "./bell.ts";

/** The A2A edge: its HTTP route, and `close` for a graceful shutdown (ends open streams). */
export const a2aEdge = (hub: HubContext, bell: A2aBell) => {
  const service = makeA2aService(hub, bell);
  const push = makeA2aPush(hub, service);
  // Push configs are delivered by the webhook worker, as lanes beside the apps' webhooks.
  hub.webhooks.addSource(push.lanes);
  return a2aRoutes(hub, service, push);
};
