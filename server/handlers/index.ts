import type { HubContext } from "../hub-context.ts";
import type { Implementation } from "../rpc.ts";
import { adminHandlers } from "./admin.ts";
import { authHandlers } from "./auth.ts";
import { cardHandlers } from "./cards.ts";
import { conversationHandlers } from "./conversations.ts";
import { directoryHandlers } from "./directory.ts";
import { eventHandlers } from "./events.ts";
import { messageHandlers } from "./messages.ts";
import { systemHandlers, type OpenRpcText } from "./system.ts";
import { taskHandlers } from "./tasks.ts";
import { actionHandlers } from "./actions.ts";
import { authorityHandlers } from "./authority.ts";
import { a2aHandlers } from "../a2a/handlers.ts";
import { inspectorHandlers } from "./inspector.ts";
import { webhookHandlers } from "./webhooks.ts";

/** Every method's handler; the dispatcher refuses to start if a declared method has none. */
export const allHandlers = (hub: HubContext, openrpc: OpenRpcText): Implementation[] => [
  ...authHandlers(hub),
  ...adminHandlers(hub),
  ...systemHandlers(hub, openrpc),
  ...taskHandlers(hub),
  ...conversationHandlers(hub),
  ...messageHandlers(hub),
  ...directoryHandlers(hub),
  ...eventHandlers(hub),
  ...cardHandlers(hub),
  ...actionHandlers(hub),
  ...authorityHandlers(hub),
  ...a2aHandlers(hub),
  ...inspectorHandlers(hub),
  ...webhookHandlers(hub),
];
