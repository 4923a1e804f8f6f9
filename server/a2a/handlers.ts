import { A2a, type AgentId } from "../../protocol/index.ts";
import { newId, nowIso, type A2aCardRow } from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import { issueA2aToken } from "../tokens.ts";

const exposed = (name: string, row: A2aCardRow) => ({
  agentId: row.agentId as AgentId,
  card: JSON.parse(row.cardJson) as A2a.A2aExposure,
  cardPath: `/a2a/${name}/.well-known/agent-card.json`,
  updatedAt: row.updatedAt,
});

/** The hub methods of the A2A edge: exposing an agent, and the admin's a2a-clients. */
export const a2aHandlers = (hub: HubContext) => {
  const { storage } = hub;
  return [
    implement(A2a.A2aExpose, (p, { principal }) =>
      hub.commit(async () => {
        await storage.a2a.setCard(principal.id, JSON.stringify(p.card), nowIso());
        return exposed(principal.name, (await storage.a2a.card(principal.id))!);
      }),
    ),

    implement(A2a.A2aUnexpose, (_p, { principal }) =>
      hub.commit(async () => {
        await storage.a2a.deleteCard(principal.id);
        return {};
      }),
    ),

    implement(A2a.A2aExposureGet, async (p, { raise }) => {
      const agent = (await storage.agents.get(p.agentId)) ?? raise("AgentNotFound", { agentIds: [p.agentId] });
      const row = await storage.a2a.card(agent.id);
      return { exposure: row ? exposed(agent.name, row) : null };
    }),

    implement(A2a.AdminA2aClientCreate, (p, { raise }) =>
      hub.commit(async () => {
        if (await storage.agents.nameTaken(p.name)) {
          return raise(
            "Conflict",
            { reason: "name_taken" },
            `An agent or a2a-client named ${p.name} already exists; pick another name.`,
          );
        }
        // An agent row without an agent credential: it can sit in conversations, but only its a2a token opens anything.
        const agent = await storage.agents.insert({
          id: newId("agent"),
          name: p.name,
          displayName: p.displayName,
          createdAt: nowIso(),
        });
        const token = await issueA2aToken(storage, agent.id, true);
        return { client: { id: agent.id, name: agent.name, createdAt: agent.createdAt }, token };
      }),
    ),
  ];
};
