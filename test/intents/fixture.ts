import type { SwitchboardClient } from "../../client/index.ts";
import type { AgentCard, IntentName } from "../../protocol/index.ts";
import type { TestHub } from "../helpers/hub.ts";

export interface ConnectedAgent {
  readonly id: string;
  readonly did: string;
  readonly token: string;
  readonly client: SwitchboardClient;
}

export interface Room {
  readonly agents: ConnectedAgent[];
  readonly taskId: string;
  readonly conversationId: string;
  /** `{taskId, conversationId}`, for sendIntent and messages/list. */
  readonly ref: { readonly taskId: string; readonly conversationId: string };
}

/** `count` connected agents in one task on app_default, all in its first conversation. */
export const room = async (t: TestHub, count = 2, options: { appId?: string } = {}): Promise<Room> => {
  const agents: ConnectedAgent[] = [];
  for (let i = 0; i < count; i++) {
    const a = await t.connectedAgent();
    agents.push({ id: a.id, did: a.record.did, token: a.token, client: a.client });
  }
  const { task, conversation } = await agents[0]!.client.call("task/request", {
    invitedAgentIds: agents.slice(1).map((a) => a.id),
    initialConversation: {},
    ...(options.appId !== undefined ? { appId: options.appId } : {}),
  });
  const ref = { taskId: task.id, conversationId: conversation!.id };
  return { agents, taskId: task.id, conversationId: conversation!.id, ref };
};

/** A card accepting and sending the given intents. */
export const card = (accepted: IntentName[], sent: IntentName[] = accepted): AgentCard => ({
  displayName: "Test agent",
  capabilities: { intentsAccepted: accepted, intentsSent: sent },
});

export const profile = {
  headline: "Builds realtime systems",
  skills: ["typescript", "sqlite"],
  interests: ["agents"],
  openTo: ["collaboration"],
};

/** What an agent's event log holds for one method, read with events/replay (no waiting on the socket). */
export const logged = async (client: SwitchboardClient, method: string) => {
  const { items } = await client.call("events/replay", { after: "0", limit: 1000 });
  return items.filter((i) => i.method === method);
};

/** Every message of the conversation, oldest first. */
export const allMessages = async (client: SwitchboardClient, ref: Room["ref"]) =>
  (await client.call("messages/list", { ...ref, afterSeq: 0, limit: 200 })).items;
