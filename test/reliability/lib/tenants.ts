import { randomBytes } from "node:crypto";
import type { SwitchboardClient } from "../../../client/index.ts";
import { confirmationIdOf } from "../../../client/actions.ts";
import { intentNames, type ActionDeclaration, type AgentCard } from "../../../protocol/index.ts";
import { ALL_CAPABILITIES } from "../../actions/helpers.ts";
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
 * For actions (section 7) and intents (section 8), the tenant also holds:
 * an app that may invoke every built-in family, declares an action of its own
 * and follows every event (`events/subscribe ["*"]`); a second user (the
 * peer); the user's grants to the app (one active, one revoked, plus a
 * modeled one), consents (approved and pending); intents, requests, a
 * connection with a chat, a circle; confirmations asked by the user's agent
 * (pending and approved); an idempotency key in use; an `ask` intent message;
 * and a card on its first agent.
 *
 * Extension point: features that add resources add them here, add their
 * private ids and text to `markers`, and add rows to ISOLATION_PROBES.
 */
export interface Tenant {
  readonly label: string;
  /** Scopes actions.invoke and events.subscribe, every built-in capability; subscribed to every event. */
  readonly app: Member;
  readonly user: Member;
  /** A second user, the other side of the user's requests, connection, chat and circle. */
  readonly peer: Member;
  /** agents[0] is owned by `user` (so it acts for them); agents[1] has no owner. */
  readonly agents: readonly [Member, Member];
  /** A task owned by this tenant's app, with two conversations; `conversation` holds two messages and an ask. */
  readonly task: string;
  readonly conversation: string;
  readonly message: string;
  /** An `ask` intent message in `conversation`; its correlationId is its own id. */
  readonly askMessage: string;
  /** A task between the same agents on app_default, with its own conversation and message. */
  readonly defaultTask: string;
  readonly defaultConversation: string;
  /** The app's declared action, `<appName>.note` (its capability too). */
  readonly appAction: string;
  /** The user's active intent, created by the app acting for them, with a pending request to the peer. */
  readonly intent: string;
  readonly request: string;
  /** The user's active intent created with `idempotencyKey`; its text is no secret, so a probe can repeat the call. */
  readonly keyedIntent: string;
  readonly keyedText: string;
  readonly idempotencyKey: string;
  /** The user's intent cancelled with its request. */
  readonly cancelledIntent: string;
  readonly cancelledRequest: string;
  /** A direct connection between user and peer, with a chat holding one message. */
  readonly connection: string;
  readonly chat: string;
  /** A circle the user owns and the peer joined. */
  readonly circle: string;
  /** Consents from the app to the user: one pending, one approved (it made `grant`). */
  readonly consent: string;
  readonly approvedConsent: string;
  /** The user's grants to the app: active, and revoked. */
  readonly grant: string;
  readonly revokedGrant: string;
  /** agents[0]'s chat.send_message in `chat`, waiting for the user's answer. */
  readonly confirmation: string;
  /** agents[0]'s `connectionParams`, approved by the user and not used yet. */
  readonly approvedConfirmation: string;
  readonly connectionParams: { readonly type: "direct"; readonly userIds: readonly [string] };
  /** nextCursor values from this tenant's lists, by method (and principal, when several may call it). */
  readonly cursors: Readonly<Record<string, string>>;
  /** Strings that must never reach another tenant: private ids and text. */
  readonly markers: ReadonlyArray<string>;
}

/** Every tenant app declares an action with this local id, so the catalog holds `<appName>.note` per tenant. */
export const NOTE: ActionDeclaration = {
  id: "note",
  type: "action",
  name: "Note",
  description: "Keep a note for the acting user",
  permissions: { user: "allowed", agent: "allowed" },
  side_effects: "none",
  schema: { input: { type: "object" }, output: { type: "object" } },
};

/** The card each tenant's first agent publishes; cards are public, so it holds nothing private. */
export const cardOf = (label: string): AgentCard => ({
  displayName: `agent of tenant ${label}`,
  capabilities: { intentsAccepted: [...intentNames], intentsSent: [...intentNames] },
});

/** The principals and their authority: made for every tenant before any tenant acts. */
interface Principals {
  readonly label: string;
  readonly secret: string;
  readonly app: Member & { readonly name: string };
  readonly user: Member;
  readonly peer: Member;
  readonly agents: readonly [Member, Member];
  readonly approvedConsent: string;
  readonly grant: string;
  readonly modeledGrant: string;
}

const makePrincipals = async (t: TestHub, label: string): Promise<Principals> => {
  const secret = `private-${label}-${randomBytes(6).toString("hex")}`;
  const member = async (made: { id: string; token: string }): Promise<Member> => ({
    id: made.id,
    token: made.token,
    client: await t.connect(made.token),
  });
  const user = await member(await t.user());
  const peer = await member(await t.user());
  const appMade = await t.connectedApp({
    scopes: ["actions.invoke", "events.subscribe"],
    capabilities: [...ALL_CAPABILITIES],
  });
  appMade.client.handle("task/create", () => ({ verdict: "accept" }));
  await appMade.client.call("app/manifest/update", { actions: [NOTE] });
  await appMade.client.call("events/subscribe", { events: ["*"] });
  const a0 = await t.connectedAgent({ ownerUserId: user.id });
  const a1 = await t.connectedAgent();
  const agents = [a0, a1].map((a) => ({ id: a.id, token: a.token, client: a.client })) as [Member, Member];

  const { consent } = await appMade.client.call("consent/request", {
    userId: user.id,
    capabilities: [...ALL_CAPABILITIES],
    scope: "actions.invoke",
  });
  const { grant } = await user.client.call("consent/approve", { consentId: consent.id });
  const admin = await t.admin();
  const modeled = await admin.call("admin/grant/create", {
    appId: appMade.id,
    subjectType: "agent",
    subjectId: a0.id,
    scope: "actions.invoke",
    capabilities: ["circle.write"],
  });
  return {
    label,
    secret,
    app: { id: appMade.id, token: appMade.token, client: appMade.client, name: appMade.record.name },
    user,
    peer,
    agents,
    approvedConsent: consent.id,
    grant: grant.id,
    modeledGrant: modeled.grant.id,
  };
};

/** What an action's result holds, for the ids the tenant keeps. */
type Result = Record<string, string>;

const populate = async (t: TestHub, p: Principals): Promise<Tenant> => {
  const { secret, app, user, peer } = p;
  const [a0, a1] = p.agents;
  const invoke = async (who: Member, action: string, params: Record<string, unknown>, extra = {}) =>
    (await who.client.call("actions/invoke", { action, params, ...extra })).result as Result;
  /** The confirmationId of a call that must wait for the acting user. */
  const asked = async (who: Member, action: string, params: Record<string, unknown>): Promise<string> => {
    const id = await invoke(who, action, params).then(
      () => undefined,
      (error: unknown) => confirmationIdOf(error),
    );
    if (id === undefined) throw new Error(`${action} did not ask for a confirmation`);
    return id;
  };

  // Tasks, conversations and messages (section 5), with an intent exchange (section 8).
  const { task, conversation } = await a0.client.call("task/request", {
    appId: app.id,
    invitedAgentIds: [a1.id],
    title: `${secret} task`,
    initialConversation: { name: `${secret} room` },
  });
  const second = await app.client.call("app/conversation/create", {
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
  const ask = await a0.client.call("messages/send", {
    taskId: task.id,
    conversationId: conversation!.id,
    parts: [{ type: "intent", intent: "ask", payload: { question: `${secret} question` } }],
  });
  const other = await a0.client.call("task/request", {
    appId: app.id,
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
  await a0.client.call("agent/card/update", { card: cardOf(p.label) });

  // Actions (section 7): the app acts for the user, the user for themselves.
  const intent = await invoke(app, "intent.create", { text: `${secret} intent` }, { actorUserId: user.id });
  const request = await invoke(user, "request.send", {
    intentId: intent.intentId,
    recipientUserId: peer.id,
    note: `${secret} request`,
  });
  const idempotencyKey = `offsite-${p.label}-${randomBytes(4).toString("hex")}`;
  const keyedText = `Plan the offsite of tenant ${p.label}`;
  const keyed = await invoke(user, "intent.create", { text: keyedText }, { idempotencyKey });
  const cancelled = await invoke(user, "intent.create", { text: `${secret} cancelled intent` });
  const cancelledRequest = await invoke(user, "request.send", {
    intentId: cancelled.intentId,
    recipientUserId: peer.id,
  });
  await invoke(user, "intent.cancel", { intentId: cancelled.intentId });
  const connection = await invoke(user, "connection.create", { type: "direct", userIds: [peer.id] });
  const chat = await invoke(user, "chat.create", { connectionId: connection.connectionId, title: `${secret} chat` });
  const chatMessage = await invoke(user, "chat.send_message", { chatId: chat.chatId, text: `${secret} chat text` });
  const circle = await invoke(user, "circle.create", { name: `${secret} circle`, kind: "group" });
  await invoke(peer, "circle.join", { circleId: circle.circleId });

  // The user's agent asks its owner twice: one answer pending, one approved and not used yet.
  const confirmation = await asked(a0, "chat.send_message", { chatId: chat.chatId, text: `${secret} by agent` });
  const connectionParams = { type: "direct", userIds: [peer.id] } as const;
  const approvedConfirmation = await asked(a0, "connection.create", connectionParams);
  await user.client.call("actions/confirm", { confirmationId: approvedConfirmation, approve: true });

  // Delegated authority (7.3): a grant given then revoked, and a request left pending.
  const again = await app.client.call("consent/request", {
    userId: user.id,
    capabilities: ["circle.write"],
    scope: "actions.invoke",
  });
  const { grant: revoked } = await user.client.call("consent/approve", { consentId: again.consent.id });
  await user.client.call("grants/revoke", { grantId: revoked.id });
  const pending = await app.client.call("consent/request", {
    userId: user.id,
    capabilities: ["chat.write"],
    scope: "actions.invoke",
    note: `${secret} consent note`,
  });

  const cursors: Record<string, string> = {};
  const keep = (key: string, page: { nextCursor?: string | undefined }) => {
    if (page.nextCursor === undefined) throw new Error(`${key} gave no nextCursor with limit 1`);
    cursors[key] = page.nextCursor;
  };
  keep("task/list", await a0.client.call("task/list", { limit: 1 }));
  keep("agent/conversation/list", await a0.client.call("agent/conversation/list", { limit: 1 }));
  keep(
    "messages/list",
    await a0.client.call("messages/list", { taskId: task.id, conversationId: conversation!.id, limit: 1 }),
  );
  keep("app/task/list", await app.client.call("app/task/list", { limit: 1 }));
  keep("task/conversation/list", await app.client.call("task/conversation/list", { taskId: task.id, limit: 1 }));
  keep("events/replay", await a1.client.call("events/replay", { after: "0", limit: 1 }));
  keep("events/replay user", await user.client.call("events/replay", { after: "0", limit: 1 }));
  keep("consent/list", await user.client.call("consent/list", { limit: 1 }));
  keep("grants/list user", await user.client.call("grants/list", { limit: 1 }));
  keep("grants/list app", await app.client.call("grants/list", { limit: 1 }));

  return {
    label: p.label,
    app: { id: app.id, token: app.token, client: app.client },
    user,
    peer,
    agents: p.agents,
    task: task.id,
    conversation: conversation!.id,
    message: first.message.id,
    askMessage: ask.message.id,
    defaultTask: onDefault.task.id,
    defaultConversation: onDefault.conversation!.id,
    appAction: `${app.name}.${NOTE.id}`,
    intent: intent.intentId!,
    request: request.requestId!,
    keyedIntent: keyed.intentId!,
    keyedText,
    idempotencyKey,
    cancelledIntent: cancelled.intentId!,
    cancelledRequest: cancelledRequest.requestId!,
    connection: connection.connectionId!,
    chat: chat.chatId!,
    circle: circle.circleId!,
    consent: pending.consent.id,
    approvedConsent: p.approvedConsent,
    grant: p.grant,
    revokedGrant: revoked.id,
    confirmation,
    approvedConfirmation,
    connectionParams,
    cursors,
    markers: [
      secret,
      task.id,
      conversation!.id,
      second.conversation.id,
      first.message.id,
      ask.message.id,
      other.task.id,
      onDefault.task.id,
      onDefault.conversation!.id,
      defaultMessage.message.id,
      app.id,
      user.id,
      peer.id,
      a0.id,
      a1.id,
      intent.intentId!,
      request.requestId!,
      keyed.intentId!,
      cancelled.intentId!,
      cancelledRequest.requestId!,
      idempotencyKey,
      connection.connectionId!,
      chat.chatId!,
      chatMessage.messageId!,
      circle.circleId!,
      p.approvedConsent,
      again.consent.id,
      pending.consent.id,
      p.grant,
      revoked.id,
      p.modeledGrant,
      confirmation,
      approvedConfirmation,
    ],
  };
};

/**
 * Make the tenants: first every tenant's principals, grants and event
 * subscriptions, then each one's resources. So every app already follows
 * every event when any tenant acts, and an app receiving another tenant's
 * events (10.13) would show in its log.
 */
export const makeTenants = async (t: TestHub, labels: ReadonlyArray<string>): Promise<Tenant[]> => {
  const principals: Principals[] = [];
  for (const label of labels) principals.push(await makePrincipals(t, label));
  const tenants: Tenant[] = [];
  for (const p of principals) tenants.push(await populate(t, p));
  return tenants;
};

/** The markers of `victim` found anywhere in `value`. */
export const leaks = (victim: Tenant, value: unknown): string[] => {
  const text = JSON.stringify(value) ?? "";
  return victim.markers.filter((m) => text.includes(m));
};
