import type { ErrorTag } from "../../protocol/index.ts";
import { cardOf, NOTE, type Tenant } from "./lib/tenants.ts";

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
  /** For refusals: the `data.reason` the error must carry (10.11: `not_owner`; 7.2: `ownership_mismatch`, ...). */
  readonly reason?: string;
  /** For actions/batch rows: the batch answers, and every item fails with one of these tags. */
  readonly items?: ReadonlyArray<ErrorTag>;
  /**
   * The answer may repeat the ids the caller passed (an item's error naming
   * the user it was asked to act for); never any other of the victim's.
   */
  readonly echoes?: boolean;
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
  "agent/card/get":
    "cards are public like the directory (section 8: agent/agents/list carries them too); they hold what an agent publishes about itself, never a task's, user's or app's data",
  "intents/schemas": "the same public payload schemas for everyone (section 8)",
  "actions/list":
    "the catalog is public (section 7.1): it depends only on the caller's type (agent_visible, agent_only), never on who calls; an app's declarations are there to be invoked, and what invoking them needs is probed under actions/invoke",
  "admin/grant/create": "admin only; the admin manages every tenant",
  "a2a/expose": "writes the calling agent's own A2A card, which the hub publishes (docs/A2A.md)",
  "a2a/unexpose": "removes the calling agent's own A2A card",
  "a2a/exposure/get": "A2A cards are public like agent cards: /.well-known/agent-card.json serves them to anyone",
  "admin/a2a-client/create": "admin only",
  "admin/overview": "admin only (the inspector); the admin sees every tenant",
  "admin/feed/subscribe": "admin only (the inspector); the admin sees every tenant",
  "admin/feed/unsubscribe": "admin only (the inspector); the admin sees every tenant",
  "admin/sockets/list": "admin only (the inspector); the admin sees every tenant",
  "admin/socket/close": "admin only (the inspector); the admin sees every tenant",
  "admin/agent/get": "admin only (the inspector); the admin sees every tenant",
  "admin/tasks/list": "admin only (the inspector); the admin sees every tenant",
  "admin/task/get": "admin only (the inspector); the admin sees every tenant",
  "admin/task/close": "admin only (the inspector); the admin sees every tenant",
  "admin/conversation/get": "admin only (the inspector); the admin sees every tenant",
  "admin/conversation/archive": "admin only (the inspector); the admin sees every tenant",
  "admin/messages/list": "admin only (the inspector); the admin sees every tenant",
  "admin/apps/list": "admin only (the inspector); the admin sees every tenant",
  "admin/app/get": "admin only (the inspector); the admin sees every tenant",
  "app/webhook/set":
    "takes no id: it sets the calling app's own webhook (test/webhooks/safety.test.ts checks that two apps never see each other's)",
  "app/webhook/get": "takes no id: it reads the calling app's own webhook",
  "app/webhook/delete": "takes no id: it deletes the calling app's own webhook",
  "app/webhook/resume": "takes no id: it resumes the calling app's own webhook",
  "app/webhook/deliveries": "takes no id: it lists the calling app's own attempts",
};

const text = (s: string) => [{ type: "text", text: s }];

/** actions/invoke params (and an actions/batch item, without confirmationId). */
const invoke = (
  action: string,
  params: Record<string, unknown>,
  extra: { actorUserId?: string; idempotencyKey?: string; confirmationId?: string } = {},
) => ({ action, params, ...extra });

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
  {
    method: "events/replay",
    as: "user",
    why: "after a cursor taken from the victim user's log of action events",
    params: (v) => ({ after: v.cursors["events/replay user"]!, limit: 1000 }),
    expect: "no-leak",
    alsoAccept: ["Conflict"],
  },

  // Intents (section 8): references and correlations reach only into the caller's own conversation.
  {
    method: "messages/send",
    as: "agent",
    why: "retracting, from its own conversation, another tenant's message",
    params: (v, a) => ({
      taskId: a.task,
      conversationId: a.conversation,
      parts: [{ type: "intent", intent: "retract", payload: { targetMessageId: v.message } }],
    }),
    expect: ["MessageNotFound"],
  },
  {
    method: "messages/send",
    as: "agent",
    why: "a follow_up, in its own conversation, referring to another tenant's ask",
    params: (v, a) => ({
      taskId: a.task,
      conversationId: a.conversation,
      parts: [{ type: "intent", intent: "follow_up", payload: { referenceId: v.askMessage, message: "any news?" } }],
    }),
    expect: ["MessageNotFound"],
  },
  {
    method: "messages/send",
    as: "agent",
    why: "answering, in its own conversation, another tenant's ask by its correlationId",
    params: (v, a) => ({
      taskId: a.task,
      conversationId: a.conversation,
      parts: [{ type: "intent", intent: "ask_response", payload: { answer: "yes" }, correlationId: v.askMessage }],
    }),
    expect: ["CorrelationNotFound"],
  },
  {
    method: "messages/list",
    as: "agent",
    why: "its own conversation filtered by another tenant's correlationId",
    params: (v, a) => ({ taskId: a.task, conversationId: a.conversation, correlationId: v.askMessage }),
    expect: "no-leak",
  },
  {
    method: "agent/card/update",
    as: "agent",
    why: "naming another agent: the params have no agent id, the card is always the caller's own",
    params: (v, a) => ({ card: cardOf(a.label), agentId: v.agents[0].id }),
    expect: ["InvalidParams"],
  },

  // Actions (section 7) by a user of another tenant, acting for themselves: the resource's own rules refuse.
  {
    method: "actions/invoke",
    as: "user",
    why: "updating another user's intent",
    params: (v) => invoke("intent.update", { intentId: v.intent, text: "hijacked" }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "cancelling another user's cancelled intent: ownership is checked before state, so its state stays unsaid",
    params: (v) => invoke("intent.cancel", { intentId: v.cancelledIntent }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "another user's intent with that user's idempotency key: keys are per caller, nothing of theirs is replayed",
    params: (v) =>
      invoke("intent.update", { intentId: v.keyedIntent, text: v.keyedText }, { idempotencyKey: v.idempotencyKey }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "sending a request for another user's intent",
    params: (v, a) => invoke("request.send", { intentId: v.intent, recipientUserId: a.peer.id }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "accepting a request addressed to another user",
    params: (v) => invoke("request.accept", { requestId: v.request }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "rejecting another user's cancelled request: ownership before state",
    params: (v) => invoke("request.reject", { requestId: v.cancelledRequest }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "a chat on another tenant's connection",
    params: (v) => invoke("chat.create", { connectionId: v.connection, title: "intruder" }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "writing in another tenant's chat",
    params: (v) => invoke("chat.send_message", { chatId: v.chat, text: "intruder" }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "leaving another tenant's circle it is not in",
    params: (v) => invoke("circle.leave", { circleId: v.circle }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "removing a member from another user's circle",
    params: (v) => invoke("circle.leave", { circleId: v.circle, userId: v.peer.id }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "adding its own peer to another user's circle",
    params: (v, a) => invoke("circle.join", { circleId: v.circle, userId: a.peer.id }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "acting for another tenant's user",
    params: (v) => invoke("intent.create", { text: "on your behalf" }, { actorUserId: v.user.id }),
    expect: ["Forbidden"],
    reason: "actor_mismatch",
  },

  // ... by an agent of another tenant, acting for its owner: refused before any confirmation is asked.
  {
    method: "actions/invoke",
    as: "agent",
    why: "updating another tenant's intent",
    params: (v) => invoke("intent.update", { intentId: v.intent, text: "hijacked" }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "agent",
    why: "accepting another tenant's request (external: would need confirmation, but ownership fails first)",
    params: (v) => invoke("request.accept", { requestId: v.request }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "agent",
    why: "writing in another tenant's chat with the confirmationId that tenant's agent is waiting on",
    params: (v) =>
      invoke("chat.send_message", { chatId: v.chat, text: "intruder" }, { confirmationId: v.confirmation }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "agent",
    why: "writing in another tenant's chat with a confirmationId that tenant's user approved",
    params: (v) =>
      invoke("chat.send_message", { chatId: v.chat, text: "intruder" }, { confirmationId: v.approvedConfirmation }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "agent",
    why: "leaving another tenant's circle",
    params: (v) => invoke("circle.leave", { circleId: v.circle }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "agent",
    why: "acting for another tenant's user instead of its owner",
    params: (v) => invoke("intent.create", { text: "on your behalf" }, { actorUserId: v.user.id }),
    expect: ["Forbidden"],
    reason: "actor_mismatch",
  },

  // ... by an app of another tenant: for the victim's users it holds no grant; for its own, the resource refuses.
  {
    method: "actions/invoke",
    as: "app",
    why: "creating an intent for another tenant's user",
    params: (v) => invoke("intent.create", { text: "on your behalf" }, { actorUserId: v.user.id }),
    expect: ["NoDelegatedGrant"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "updating another tenant's intent for its owner",
    params: (v) => invoke("intent.update", { intentId: v.intent, text: "hijacked" }, { actorUserId: v.user.id }),
    expect: ["NoDelegatedGrant"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "accepting another tenant's request for its recipient",
    params: (v) => invoke("request.accept", { requestId: v.request }, { actorUserId: v.peer.id }),
    expect: ["NoDelegatedGrant"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "writing in another tenant's chat for its member",
    params: (v) => invoke("chat.send_message", { chatId: v.chat, text: "intruder" }, { actorUserId: v.user.id }),
    expect: ["NoDelegatedGrant"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "leaving another tenant's circle for its owner (the app holds only a modeled circle.write grant)",
    params: (v) => invoke("circle.leave", { circleId: v.circle }, { actorUserId: v.user.id }),
    expect: ["GrantModeledOnly"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "another tenant app's declared action, for that tenant's user",
    params: (v) => invoke(v.appAction, {}, { actorUserId: v.user.id }),
    expect: ["CapabilityMissing"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "another tenant app's declared action, for its own user",
    params: (v, a) => invoke(v.appAction, {}, { actorUserId: a.user.id }),
    expect: ["CapabilityMissing"],
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "updating another tenant's intent for its own (granting) user",
    params: (v, a) => invoke("intent.update", { intentId: v.intent, text: "hijacked" }, { actorUserId: a.user.id }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "accepting another tenant's request for its own user",
    params: (v, a) => invoke("request.accept", { requestId: v.request }, { actorUserId: a.user.id }),
    expect: ["Forbidden"],
    reason: "ownership_mismatch",
  },
  {
    method: "actions/invoke",
    as: "app",
    why: "writing in another tenant's chat for its own user",
    params: (v, a) => invoke("chat.send_message", { chatId: v.chat, text: "intruder" }, { actorUserId: a.user.id }),
    expect: ["Forbidden"],
    reason: "membership_mismatch",
  },

  // Batches: every item runs the whole pipeline, so each is refused as it would be alone.
  {
    method: "actions/batch",
    as: "user",
    why: "another tenant's intent, request, chat and circle, and acting for its user",
    params: (v) => ({
      actions: [
        invoke("intent.update", { intentId: v.intent, text: "hijacked" }),
        invoke("request.accept", { requestId: v.request }),
        invoke("chat.send_message", { chatId: v.chat, text: "intruder" }),
        invoke("circle.leave", { circleId: v.circle }),
        invoke("intent.create", { text: "on your behalf" }, { actorUserId: v.user.id }),
      ],
    }),
    expect: "no-leak",
    items: ["Forbidden"],
    echoes: true,
  },
  {
    method: "actions/batch",
    as: "agent",
    why: "another tenant's intent, request, chat and circle",
    params: (v) => ({
      actions: [
        invoke("intent.cancel", { intentId: v.intent }),
        invoke("request.reject", { requestId: v.request }),
        invoke("chat.send_message", { chatId: v.chat, text: "intruder" }),
        invoke("circle.leave", { circleId: v.circle }),
      ],
    }),
    expect: "no-leak",
    items: ["Forbidden"],
    echoes: true,
  },
  {
    method: "actions/batch",
    as: "app",
    why: "acting for another tenant's users",
    params: (v) => ({
      actions: [
        invoke("intent.create", { text: "on your behalf" }, { actorUserId: v.user.id }),
        invoke("intent.cancel", { intentId: v.intent }, { actorUserId: v.user.id }),
        invoke("request.reject", { requestId: v.request }, { actorUserId: v.peer.id }),
        invoke("circle.leave", { circleId: v.circle }, { actorUserId: v.user.id }),
        invoke(v.appAction, {}, { actorUserId: v.user.id }),
      ],
    }),
    expect: "no-leak",
    items: ["NoDelegatedGrant", "GrantModeledOnly", "CapabilityMissing"],
    echoes: true,
  },
  {
    method: "actions/batch",
    as: "app",
    why: "another tenant's resources, for its own user",
    params: (v, a) => ({
      actions: [
        invoke("intent.cancel", { intentId: v.intent }, { actorUserId: a.user.id }),
        invoke("request.reject", { requestId: v.request }, { actorUserId: a.user.id }),
        invoke("chat.create", { connectionId: v.connection }, { actorUserId: a.user.id }),
        invoke("circle.join", { circleId: v.circle, userId: a.peer.id }, { actorUserId: a.user.id }),
      ],
    }),
    expect: "no-leak",
    items: ["Forbidden"],
    echoes: true,
  },

  // Confirmations (10.11): only the user an action would act for may answer it.
  {
    method: "actions/confirm",
    as: "user",
    why: "approving another tenant's pending confirmation",
    params: (v) => ({ confirmationId: v.confirmation, approve: true }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  {
    method: "actions/confirm",
    as: "user",
    why: "rejecting another tenant's pending confirmation",
    params: (v) => ({ confirmationId: v.confirmation, approve: false }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  {
    method: "actions/confirm",
    as: "user",
    why: "answering another tenant's approved confirmation: ownership before state",
    params: (v) => ({ confirmationId: v.approvedConfirmation, approve: false }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },

  // Consent and grants (7.3, 10.11): each user answers and revokes their own; lists show only the caller's.
  {
    method: "consent/approve",
    as: "user",
    why: "another user's pending consent request",
    params: (v) => ({ consentId: v.consent }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  {
    method: "consent/approve",
    as: "user",
    why: "another user's approved consent request: ownership before state",
    params: (v) => ({ consentId: v.approvedConsent }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  {
    method: "consent/reject",
    as: "user",
    why: "another user's pending consent request",
    params: (v) => ({ consentId: v.consent }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  {
    method: "consent/reject",
    as: "user",
    why: "another user's approved consent request: ownership before state",
    params: (v) => ({ consentId: v.approvedConsent }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  { method: "consent/list", as: "user", why: "its own list", params: () => ({ limit: 200 }), expect: "no-leak" },
  {
    method: "consent/list",
    as: "user",
    why: "its own pending ones",
    params: () => ({ status: "pending", limit: 200 }),
    expect: "no-leak",
  },
  {
    method: "consent/list",
    as: "user",
    why: "the victim user's list cursor",
    params: (v) => ({ cursor: v.cursors["consent/list"]! }),
    expect: "no-leak",
  },
  {
    method: "consent/request",
    as: "app",
    why: "asking another tenant's user for that tenant app's capability, which it does not hold",
    params: (v) => ({ userId: v.user.id, capabilities: [v.appAction], scope: "actions.invoke" }),
    expect: ["CapabilityMissing"],
  },
  { method: "grants/list", as: "user", why: "its own list", params: () => ({ limit: 200 }), expect: "no-leak" },
  {
    method: "grants/list",
    as: "user",
    why: "the victim user's list cursor",
    params: (v) => ({ cursor: v.cursors["grants/list user"]! }),
    expect: "no-leak",
  },
  { method: "grants/list", as: "app", why: "its own list", params: () => ({ limit: 200 }), expect: "no-leak" },
  {
    method: "grants/list",
    as: "app",
    why: "the victim app's list cursor",
    params: (v) => ({ cursor: v.cursors["grants/list app"]! }),
    expect: "no-leak",
  },
  {
    method: "grants/revoke",
    as: "user",
    why: "another user's active grant",
    params: (v) => ({ grantId: v.grant }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  {
    method: "grants/revoke",
    as: "user",
    why: "another user's revoked grant: ownership before state",
    params: (v) => ({ grantId: v.revokedGrant }),
    expect: ["Forbidden"],
    reason: "not_owner",
  },
  { method: "auth/diagnose", as: "app", why: "its own grants", params: () => ({}), expect: "no-leak" },
  {
    method: "auth/diagnose",
    as: "app",
    why: "the grants of another tenant's user",
    params: (v) => ({ actorUserId: v.user.id }),
    expect: "no-leak",
    echoes: true,
  },
  {
    method: "auth/diagnose",
    as: "app",
    why: "an action for another tenant's user",
    params: (v) => ({ actorUserId: v.user.id, action: "intent.update" }),
    expect: "no-leak",
    echoes: true,
  },
  {
    method: "auth/diagnose",
    as: "app",
    why: "another tenant app's declared action, for that tenant's peer",
    params: (v) => ({ actorUserId: v.peer.id, action: v.appAction }),
    expect: "no-leak",
    echoes: true,
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
  {
    method: "agent/card/update",
    as: "agent",
    why: "publishing a card changes only the caller's own",
    params: (_v, a) => ({ card: updatedCard(a.label) }),
    expect: "no-leak",
  },
  {
    method: "app/manifest/update",
    as: "app",
    why: "redeclaring the same local action id replaces only the caller's own declarations",
    params: (_v, a) => ({ actions: [redeclared(a.label)] }),
    expect: "no-leak",
  },
  {
    method: "events/subscribe",
    as: "app",
    why: "replacing its subscriptions touches no other app's",
    params: () => ({ events: ["*"] }),
    expect: "no-leak",
  },
  {
    method: "actions/invoke",
    as: "user",
    why: "the victim's exact intent.create with its idempotency key: keys and the same-text answer are per user, so it makes the caller's own",
    params: (v) => invoke("intent.create", { text: v.keyedText }, { idempotencyKey: v.idempotencyKey }),
    expect: "no-leak",
  },
  {
    method: "actions/invoke",
    as: "agent",
    why: "the victim's approved confirmationId on the very call it approved asks the caller's own owner instead",
    params: (v) => invoke("connection.create", { ...v.connectionParams }, { confirmationId: v.approvedConfirmation }),
    expect: ["ConfirmationRequired"],
  },
];

/** The card the agent/card/update row publishes. */
export const updatedCard = (label: string) => ({ ...cardOf(label), description: `updated by tenant ${label}` });

/** The declaration the app/manifest/update row publishes: the same local id as every tenant app's. */
export const redeclared = (label: string) => ({ ...NOTE, description: `redeclared by tenant ${label}` });
