import { Methods, intentJsonSchemas } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";

export const cardHandlers = (hub: HubContext) => {
  const { storage } = hub;
  return [
    implement(Methods.AgentCardUpdate, async (p, { principal }) =>
      hub.commit(async () => {
        await storage.agents.setCard(principal.id, p.card);
        return { card: p.card };
      }),
    ),

    implement(Methods.AgentCardGet, async (p, { raise }) => {
      const found = await storage.agents.getWithCard(p.agentId);
      if (!found) return raise("AgentNotFound", { agentIds: [p.agentId] });
      return { agentId: found.agent.id, card: found.card };
    }),

    implement(Methods.IntentsSchemas, async () => ({ schemas: intentJsonSchemas() })),
  ];
};
