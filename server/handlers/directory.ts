import { Methods, type AgentId } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import { requireAgents } from "./access.ts";
import { DEFAULT_LIMIT, readCursor, toPage } from "./paging.ts";

export const directoryHandlers = (hub: HubContext) => [
  implement(Methods.AgentAgentsList, async (p, { raise }) => {
    const limit = p.limit ?? DEFAULT_LIMIT;
    const after = p.cursor === undefined ? "" : readCursor(raise, p.cursor, ["string"])[0];
    const rows = await hub.storage.agents.list(p.query ?? "", after, limit + 1);
    return toPage(
      rows,
      limit,
      (r) => ({ ...r.agent, card: r.card }),
      (r) => [r.agent.name],
    );
  }),

  implement(Methods.PresenceSubscribe, async (p, { session, raise }) => {
    const ids = [...new Set(p.agentIds)];
    await requireAgents(hub.storage, ids, raise);
    if (session) hub.sessions.watch(session, ids);
    return {
      statuses: ids.map((agentId: AgentId) => ({
        agentId,
        status: hub.sessions.isOnline(agentId) ? ("online" as const) : ("offline" as const),
      })),
    };
  }),
];
