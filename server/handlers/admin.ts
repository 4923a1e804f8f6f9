import { Methods } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { CloseCode } from "../limits.ts";
import { createAgent, createApp, createUser, rotateToken } from "../principals.ts";
import { checkActionNamespace } from "../actions/manifest.ts";
import { implement } from "../rpc.ts";

export const adminHandlers = (hub: HubContext) => {
  const { storage } = hub;
  return [
    implement(Methods.AdminAppCreate, (p, { raise }) =>
      hub.commit(() => {
        checkActionNamespace(p.name, p.manifest?.actions, raise);
        return createApp(storage, p, raise);
      }),
    ),
    implement(Methods.AdminAgentCreate, (p, { raise }) => hub.commit(() => createAgent(storage, p, raise))),
    implement(Methods.AdminUserCreate, (p) => hub.commit(() => createUser(storage, p))),

    implement(Methods.AdminTokenRotate, async (p, { raise, afterResponse }) => {
      const token = await hub.commit(() => rotateToken(storage, p.principalId, raise));
      // The old token no longer verifies; its sockets go too (after this answer, in case they include the caller's).
      afterResponse(() => hub.sessions.closePrincipal(p.principalId, CloseCode.unauthorized, "token rotated"));
      return { token };
    }),

    implement(Methods.AdminAgentSuspend, async (p, { raise }) => {
      const agent = await hub.commit(
        () => storage.agents.setStatus(p.agentId, "suspended") ?? raise("AgentNotFound", { agentIds: [p.agentId] }),
      );
      hub.sessions.closePrincipal(p.agentId, CloseCode.forbidden, "agent suspended");
      return { agent };
    }),

    implement(Methods.AdminAgentUnsuspend, async (p, { raise }) => {
      const agent = await hub.commit(
        () => storage.agents.setStatus(p.agentId, "active") ?? raise("AgentNotFound", { agentIds: [p.agentId] }),
      );
      return { agent };
    }),
  ];
};
