import { Methods, intentJsonSchemas } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";

export const cardHandlers = (hub: HubContext) => {
  const { storage } = hub;
  return [
    implement(Methods.AgentCardUpdate, (p, { principal }) =>
      hub.commit(() => {
        storage.agents.setCard(principal.id, p.card);
        return { card: p.card };
      }),
    ),

    implement(Methods.AgentCardGet, (p, { raise }) => {
      const found = storage.agents.getWithCard(p.agentId);
      if (!found) return raise("AgentNotFound", { agentIds: [p.agentId] });
      return { agentId: found.agent.id, card: found.card };
    }),

    implement(Methods.IntentsSchemas, () => ({ schemas: intentJsonSchemas() })),
  ];
};
