import { Methods } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { CloseCode } from "../limits.ts";
import { createAgent, createApp, createUser, rotateToken } from "../principals.ts";
import { checkActionNamespace } from "../actions/manifest.ts";
import { implement } from "../rpc.ts";

export const adminHandlers = (hub: HubContext) => {
  const { storage } = hub;
  return [
    implement(Methods.AdminAppCreate, async (p, { raise }) =>
      hub.commit(async () => {
        checkActionNamespace(p.name, p.manifest?.actions, raise);
        return await createApp(storage, p, raise);
      }),
    ),
    implement(Methods.AdminAgentCreate, async (p, { raise }) =>
      hub.commit(async () => await createAgent(storage, p, raise)),
    ),
    implement(Methods.AdminUserCreate, async (p) => hub.commit(async () => await createUser(storage, p))),

    implement(Methods.AdminTokenRotate, async (p, { raise, afterResponse }) => {
      const token = await hub.commit(async () => await rotateToken(storage, p.principalId, raise));
      // The old token no longer verifies; its sockets go too (after this answer, in case they include the caller's).
      afterResponse(() => hub.sessions.closePrincipal(p.principalId, CloseCode.unauthorized, "token rotated"));
      return { token };
    }),

    implement(Methods.AdminAgentSuspend, async (p, { raise }) => {
      const agent = await hub.commit(
        async () =>
          (await storage.agents.setStatus(p.agentId, "suspended")) ?? raise("AgentNotFound", { agentIds: [p.agentId] }),
      );
      hub.sessions.closePrincipal(p.agentId, CloseCode.forbidden, "agent suspended");
      return { agent };
    }),

    implement(Methods.AdminAgentUnsuspend, async (p, { raise }) => {
      const agent = await hub.commit(
        async () =>
          (await storage.agents.setStatus(p.agentId, "active")) ?? raise("AgentNotFound", { agentIds: [p.agentId] }),
      );
      return { agent };
    }),
  ];
};
