import type { ErrorTag } from "../../protocol/index.ts";
import type { Tenant } from "./lib/tenants.ts";

/**
 * The tenant-isolation table: each row has a principal of one tenant (the
 * attacker) call a method with another tenant's (the victim's) ids, cursors
 * or resources, and says what must happen.
 *
 * - `expect: [tags]`: the call fails with one of these errors (section 10.1:
 *   TaskNotFound / NotAParticipant for agents, Forbidden for apps, never a
 *   hint about the victim's resources).
 * - `expect: "no-leak"`: the call may succeed (lists, replay), but nothing of
 *   the victim's appears in the answer.
 *
 * Every row runs over the socket and, unless the method is socket-only, over
 * POST /rpc. No row may change stored state or notify anyone.
 *
 * EXTENSION POINT. Every method in protocol/registry.ts must appear here at
 * least once or in TENANT_FREE with the reason it holds no tenant data; the
 * test fails naming any method that is in neither. Actions (section 7:
 * actions/invoke on another user's intent/request/chat/circle, consent and
 * grants of another user or app, confirmations) and intents (section 8:
 * agent/card/get and agent/card/update, retract and follow_up naming a
 * message of another tenant's conversation) add their rows below, and the
 * resources they need to `Tenant` (lib/tenants.ts).
 */
export interface IsolationProbe {
  readonly method: string;
  readonly as: "agent" | "app" | "user";
  /** What the row shows, as the test names it. */
  readonly why: string;
  readonly params: (victim: Tenant, attacker: Tenant) => Record<string, unknown>;
  readonly expect: ReadonlyArray<ErrorTag> | "no-leak";
  /** For "no-leak" rows: refusals that are fine too (they must not leak either). */
  readonly alsoAccept?: ReadonlyArray<ErrorTag>;
}

/** Methods that hold no tenant's data, and why (checked: each must be a declared method). */
export const TENANT_FREE: Readonly<Record<string, string>> = {
  "auth/connect": "authenticates the caller's own socket",
  "auth/register": "creates a new agent; names are global by design",
  "system/ping": "answers the clock",
  "rpc.discover": "the same public document for everyone",
  "admin/app/create": "admin only (see the authorization matrix); the admin manages every tenant",
  "admin/agent/create": "admin only",
  "admin/user/create": "admin only",
  "admin/token/rotate": "admin only",
  "admin/agent/suspend": "admin only",
  "admin/agent/unsuspend": "admin only",
  "agent/agents/list": "the agent directory is global by design (section 5.5)",
  "presence/subscribe": "presence of any agent is public by design (section 5.5)",
  "task/request": "creates the caller's own task; any agent may invite any agent and ask any app (section 5.1)",
};

const text = (s: string) => [{ type: "text", text: s }];

export const ISOLATION_PROBES: ReadonlyArray<IsolationProbe> = [
  // Tasks, by an agent of another tenant: the task might as well not exist.
  {
    method: "task/get",
    as: "agent",
    why: "another app's task",
    params: (v) => ({ taskId: v.task }),
    expect: ["TaskNotFound"],
  },
  {
    method: "task/get",
    as: "agent",
    why: "another tenant's task on app_default",
    params: (v) => ({ taskId: v.defaultTask }),
    expect: ["TaskNotFound"],
  },
  {
    method: "task/leave",
    as: "agent",
    why: "a task it never was in",
    params: (v) => ({ taskId: v.task }),
    expect: ["TaskNotFound"],
  },
  {
    method: "task/list",
    as: "agent",
    why: "the victim's own list cursor",
    params: (v) => ({ cursor: v.cursors["task/list"]! }),
    expect: "no-leak",
  },
  { method: "task/list", as: "agent", why: "its own list", params: () => ({ limit: 200 }), expect: "no-leak" },

  // Tasks, by another app: Forbidden, whatever it tries.
  {
    method: "task/get",
    as: "app",
    why: "another app's task",
    params: (v) => ({ taskId: v.task }),
    expect: ["Forbidden"],
  },
  {
    method: "task/get",
    as: "app",
    why: "a task of app_default",
    params: (v) => ({ taskId: v.defaultTask }),
    expect: ["Forbidden"],
  },
  {
    method: "task/close",
    as: "app",
    why: "another app's task",
    params: (v) => ({ taskId: v.task }),
    expect: ["Forbidden"],
  },
  {
    method: "task/participants/add",
    as: "app",
    why: "slipping its own agent into another app's task",
    params: (v, a) => ({ taskId: v.task, agentId: a.agents[0].id }),
    expect: ["Forbidden"],
  },
  {
    method: "task/participants/remove",
    as: "app",
    why: "removing an agent from another app's task",
    params: (v) => ({ taskId: v.task, agentId: v.agents[1].id }),
    expect: ["Forbidden"],
  },
  {
    method: "app/task/list",
    as: "app",
    why: "the victim app's list cursor",
    params: (v) => ({ cursor: v.cursors["app/task/list"]! }),
    expect: "no-leak",
  },
  { method: "app/task/list", as: "app", why: "its own list", params: () => ({ limit: 200 }), expect: "no-leak" },

  // Conversations, by another app: through the victim's task, or its own task with the victim's conversation.
  {
    method: "app/conversation/create",
    as: "app",
    why: "a conversation in another app's task",
    params: (v, a) => ({ taskId: v.task, participants: [a.agents[0].id] }),
    expect: ["Forbidden"],
  },
  {
    method: "task/conversation/create",
    as: "app",
    why: "a conversation in another app's task",
    params: (v) => ({ taskId: v.task, participants: [v.agents[0].id] }),
    expect: ["Forbidden"],
  },
  {
    method: "app/conversation/update",
    as: "app",
    why: "archiving another app's conversation",
    params: (v) => ({ taskId: v.task, conversationId: v.conversation, action: { type: "archive" } }),
    expect: ["Forbidden"],
  },
  {
    method: "app/conversation/update",
    as: "app",
    why: "its own task id with another tenant's conversation id",
    params: (v, a) => ({
      taskId: a.task,
      conversationId: v.conversation,
      action: { type: "add-participant", agentId: a.agents[0].id },
    }),
    expect: ["ConversationNotFound"],
  },
  {
    method: "task/conversation/archive",
    as: "app",
    why: "another app's conversation",
    params: (v) => ({ taskId: v.task, conversationId: v.conversation }),
    expect: ["Forbidden"],
  },
  {
    method: "task/conversation/archive",
    as: "app",
    why: "its own task id with another tenant's conversation id",
    params: (v, a) => ({ taskId: a.task, conversationId: v.conversation }),
    expect: ["ConversationNotFound"],
  },
  {
    method: "task/conversation/unarchive",
    as: "app",
    why: "another app's conversation",
    params: (v) => ({ taskId: v.task, conversationId: v.conversation }),
    expect: ["Forbidden"],
  },
  {
    method: "task/conversation/participants/add",
    as: "app",
    why: "its agent into another app's conversation",
    params: (v, a) => ({ taskId: v.task, conversationId: v.conversation, agentId: a.agents[0].id }),
    expect: ["Forbidden"],
  },
  {
    method: "task/conversation/participants/add",
    as: "app",
    why: "its own task id with another tenant's conversation id",
    params: (v, a) => ({ taskId: a.task, conversationId: v.conversation, agentId: a.agents[0].id }),
    expect: ["ConversationNotFound"],
  },
  {
    method: "task/conversation/participants/remove",
    as: "app",
    why: "an agent out of another app's conversation",
    params: (v) => ({ taskId: v.task, conversationId: v.conversation, agentId: v.agents[1].id }),
    expect: ["Forbidden"],
  },
  {
    method: "task/conversation/list",
    as: "app",
    why: "another app's task",
    params: (v) => ({ taskId: v.task }),
    expect: ["Forbidden"],
  },
  {
    method: "task/conversation/list",
    as: "app",
    why: "its own task with the victim's list cursor",
    params: (v, a) => ({ taskId: a.task, cursor: v.cursors["task/conversation/list"]! }),
    expect: "no-leak",
  },

  // Conversations and messages, by an agent of another tenant.
  {
    method: "agent/conversation/read",
    as: "agent",
    why: "moving a read mark in another tenant's conversation",
    params: (v) => ({ conversationId: v.conversation, seq: 1 }),
    expect: ["NotAParticipant"],
  },
  {
    method: "agent/conversation/list",
    as: "agent",
    why: "the victim's list cursor",
    params: (v) => ({ cursor: v.cursors["agent/conversation/list"]! }),
    expect: "no-leak",
  },
  {
    method: "messages/send",
    as: "agent",
    why: "into another tenant's conversation",
    params: (v) => ({ taskId: v.task, conversationId: v.conversation, parts: text("intruder") }),
    expect: ["NotAParticipant"],
  },
  {
    method: "messages/send",
    as: "agent",
    why: "its own task id with another tenant's conversation id",
    params: (v, a) => ({ taskId: a.task, conversationId: v.conversation, parts: text("intruder") }),
    expect: ["NotAParticipant"],
  },
  {
    method: "messages/send",
    as: "agent",
    why: "into a conversation on app_default it is not in",
    params: (v) => ({ taskId: v.defaultTask, conversationId: v.defaultConversation, parts: text("intruder") }),
    expect: ["NotAParticipant"],
  },
  {
    method: "messages/send",
    as: "agent",
    why: "replying, in its own conversation, to another tenant's message",
    params: (v, a) => ({ taskId: a.task, conversationId: a.conversation, parts: text("reply"), replyToId: v.message }),
    expect: ["MessageNotFound"],
  },
  {
    method: "messages/list",
    as: "agent",
    why: "another tenant's conversation",
    params: (v) => ({ taskId: v.task, conversationId: v.conversation }),
    expect: ["NotAParticipant"],
  },
  {
    method: "messages/list",
    as: "agent",
    why: "its own task id with another tenant's conversation id",
    params: (v, a) => ({ taskId: a.task, conversationId: v.conversation, afterSeq: 0 }),
    expect: ["NotAParticipant"],
  },
  {
    method: "messages/list",
    as: "agent",
    why: "its own conversation with the victim's list cursor",
    params: (v, a) => ({ taskId: a.task, conversationId: a.conversation, cursor: v.cursors["messages/list"]! }),
    expect: "no-leak",
  },

  // The event log: each principal reads only its own, whatever cursor it passes.
  {
    method: "events/replay",
    as: "agent",
    why: "from the start",
    params: () => ({ after: "0", limit: 1000 }),
    expect: "no-leak",
  },
  {
    method: "events/replay",
    as: "agent",
    why: "after a cursor taken from the victim's log",
    params: (v) => ({ after: v.cursors["events/replay"]!, limit: 1000 }),
    expect: "no-leak",
    // A hub may refuse a cursor beyond the caller's own log.
    alsoAccept: ["Conflict"],
  },
  {
    method: "events/replay",
    as: "app",
    why: "from the start",
    params: () => ({ after: "0", limit: 1000 }),
    expect: "no-leak",
  },
  {
    method: "events/replay",
    as: "user",
    why: "from the start",
    params: () => ({ after: "0", limit: 1000 }),
    expect: "no-leak",
  },
];

/**
 * Rows that write to the caller's own state: run after the read-only rows,
 * and followed by a check that the victim's state and event log are intact.
 */
export const OWN_STATE_PROBES: ReadonlyArray<IsolationProbe> = [
  {
    method: "events/ack",
    as: "agent",
    why: "acknowledging past every cursor (the victim's included) drops only the caller's entries",
    params: () => ({ cursor: "999999999999" }),
    expect: "no-leak",
  },
  {
    method: "events/ack",
    as: "user",
    why: "acknowledging past every cursor drops only the caller's entries",
    params: () => ({ cursor: "999999999999" }),
    expect: "no-leak",
  },
];
