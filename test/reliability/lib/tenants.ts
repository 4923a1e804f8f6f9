import { randomBytes } from "node:crypto";
import type { SwitchboardClient } from "../../../client/index.ts";
import type { TestHub } from "../../helpers/hub.ts";

export interface Member {
  readonly id: string;
  readonly token: string;
  readonly client: SwitchboardClient;
}

/**
 * One tenant: an app with its own task and conversations, a user, two agents
 * working in that task and in a task on app_default, messages, and a real
 * cursor from each of its lists. The isolation tests make two and have each
 * one's principals reach for the other's things.
 *
 * Extension point: features that add resources (actions: intents, requests,
 * connections, chats, circles, grants; intents: agent cards) add them here,
 * add their private ids to `markers`, and add rows to ISOLATION_PROBES.
 */
export interface Tenant {
  readonly label: string;
  readonly app: Member;
  readonly user: Member;
  readonly agents: readonly [Member, Member];
  /** A task owned by this tenant's app, with two conversations; `conversation` holds two messages. */
  readonly task: string;
  readonly conversation: string;
  readonly message: string;
  /** A task between the same agents on app_default, with its own conversation and message. */
  readonly defaultTask: string;
  readonly defaultConversation: string;
  /** nextCursor values from this tenant's lists, by method. */
  readonly cursors: Readonly<Record<string, string>>;
  /** Strings that must never reach another tenant: private ids and message text. */
  readonly markers: ReadonlyArray<string>;
}

export const makeTenant = async (t: TestHub, label: string): Promise<Tenant> => {
  const secret = `private-${label}-${randomBytes(6).toString("hex")}`;
  const appMade = await t.connectedApp();
  appMade.client.handle("task/create", () => ({ verdict: "accept" }));
  const userMade = await t.user();
  const user = { id: userMade.id, token: userMade.token, client: await t.connect(userMade.token) };
  const a0 = await t.connectedAgent();
  const a1 = await t.connectedAgent();
  const agents = [a0, a1].map((a) => ({ id: a.id, token: a.token, client: a.client })) as [Member, Member];

  const { task, conversation } = await a0.client.call("task/request", {
    appId: appMade.id,
    invitedAgentIds: [a1.id],
    title: `${secret} task`,
    initialConversation: { name: `${secret} room` },
  });
  const second = await appMade.client.call("app/conversation/create", {
    taskId: task.id,
    name: `${secret} side room`,
    participants: [a0.id, a1.id],
  });
  const first = await a0.client.call("messages/send", {
    taskId: task.id,
    conversationId: conversation!.id,
    parts: [{ type: "text", text: `${secret} first` }],
  });
  await a0.client.call("messages/send", {
    taskId: task.id,
    conversationId: conversation!.id,
    parts: [{ type: "data", data: { secret } }],
  });
  const other = await a0.client.call("task/request", {
    appId: appMade.id,
    invitedAgentIds: [],
    title: `${secret} another`,
  });
  const onDefault = await a0.client.call("task/request", {
    invitedAgentIds: [a1.id],
    initialConversation: {},
  });
  const defaultMessage = await a1.client.call("messages/send", {
    taskId: onDefault.task.id,
    conversationId: onDefault.conversation!.id,
    parts: [{ type: "text", text: `${secret} on default` }],
  });

  const cursors: Record<string, string> = {};
  const keep = (method: string, page: { nextCursor?: string | undefined }) => {
    if (page.nextCursor === undefined) throw new Error(`${method} gave no nextCursor with limit 1`);
    cursors[method] = page.nextCursor;
  };
  keep("task/list", await a0.client.call("task/list", { limit: 1 }));
  keep("agent/conversation/list", await a0.client.call("agent/conversation/list", { limit: 1 }));
  keep(
    "messages/list",
    await a0.client.call("messages/list", { taskId: task.id, conversationId: conversation!.id, limit: 1 }),
  );
  keep("app/task/list", await appMade.client.call("app/task/list", { limit: 1 }));
  keep("task/conversation/list", await appMade.client.call("task/conversation/list", { taskId: task.id, limit: 1 }));
  keep("events/replay", await a1.client.call("events/replay", { after: "0", limit: 1 }));

  return {
    label,
    app: { id: appMade.id, token: appMade.token, client: appMade.client },
    user,
    agents,
    task: task.id,
    conversation: conversation!.id,
    message: first.message.id,
    defaultTask: onDefault.task.id,
    defaultConversation: onDefault.conversation!.id,
    cursors,
    markers: [
      secret,
      task.id,
      conversation!.id,
      second.conversation.id,
      first.message.id,
      other.task.id,
      onDefault.task.id,
      onDefault.conversation!.id,
      defaultMessage.message.id,
      appMade.id,
      userMade.id,
      a0.id,
      a1.id,
    ],
  };
};

/** The markers of `victim` found anywhere in `value`. */
export const leaks = (victim: Tenant, value: unknown): string[] => {
  const text = JSON.stringify(value) ?? "";
  return victim.markers.filter((m) => text.includes(m));
};
