import type { Schema } from "effect";
import type { MethodDef, NotificationDef, CallbackDef } from "./define.ts";
import * as auth from "./methods/auth.ts";
import * as admin from "./methods/admin.ts";
import * as tasks from "./methods/tasks.ts";
import * as conversations from "./methods/conversations.ts";
import * as messages from "./methods/messages.ts";
import * as directory from "./methods/directory.ts";
import * as system from "./methods/system.ts";
import * as events from "./methods/events.ts";
import * as cards from "./methods/cards.ts";
import * as inspector from "./methods/inspector.ts";
import * as webhooks from "./methods/webhooks.ts";
import * as notifications from "./notifications.ts";
import * as callbacks from "./callbacks.ts";
import * as actions from "./actions/methods.ts";
import * as authority from "./actions/authority.ts";
import * as actionEvents from "./actions/events.ts";
import * as actionNotifications from "./actions/notifications.ts";
import * as actionCallbacks from "./actions/callbacks.ts";
import * as a2a from "./a2a/methods.ts";

/** Every method a client may call, in the order rpc.discover lists them. */
export const methods = [
  auth.AuthConnect,
  auth.AuthRegister,
  system.SystemPing,
  system.RpcDiscover,
  admin.AdminAppCreate,
  admin.AdminAgentCreate,
  admin.AdminUserCreate,
  admin.AdminTokenRotate,
  admin.AdminAgentSuspend,
  admin.AdminAgentUnsuspend,
  tasks.TaskRequest,
  tasks.TaskList,
  tasks.TaskGet,
  tasks.TaskLeave,
  tasks.TaskClose,
  tasks.TaskParticipantsAdd,
  tasks.TaskParticipantsRemove,
  tasks.AppTaskList,
  conversations.AppConversationCreate,
  conversations.AppConversationUpdate,
  conversations.AgentConversationList,
  conversations.AgentConversationRead,
  conversations.TaskConversationCreate,
  conversations.TaskConversationList,
  conversations.TaskConversationArchive,
  conversations.TaskConversationUnarchive,
  conversations.TaskConversationParticipantsAdd,
  conversations.TaskConversationParticipantsRemove,
  messages.MessagesSend,
  messages.MessagesList,
  directory.AgentAgentsList,
  directory.PresenceSubscribe,
  events.EventsReplay,
  events.EventsAck,
  cards.AgentCardUpdate,
  cards.AgentCardGet,
  cards.IntentsSchemas,
  actions.ActionsList,
  actions.ActionsInvoke,
  actions.ActionsConfirm,
  actions.ActionsBatch,
  actions.AppManifestUpdate,
  actions.EventsSubscribe,
  authority.ConsentRequest,
  authority.ConsentList,
  authority.ConsentApprove,
  authority.ConsentReject,
  authority.GrantsList,
  authority.GrantsRevoke,
  authority.AdminGrantCreate,
  authority.AuthDiagnose,
  a2a.A2aExpose,
  a2a.A2aUnexpose,
  a2a.A2aExposureGet,
  a2a.AdminA2aClientCreate,
  inspector.AdminOverview,
  inspector.AdminFeedSubscribe,
  inspector.AdminFeedUnsubscribe,
  inspector.AdminSocketsList,
  inspector.AdminSocketClose,
  inspector.AdminAgentGet,
  inspector.AdminTasksList,
  inspector.AdminTaskGet,
  inspector.AdminTaskClose,
  inspector.AdminConversationGet,
  inspector.AdminConversationArchive,
  inspector.AdminMessagesList,
  inspector.AdminAppsList,
  inspector.AdminAppGet,
  webhooks.AppWebhookSet,
  webhooks.AppWebhookGet,
  webhooks.AppWebhookDelete,
  webhooks.AppWebhookResume,
  webhooks.AppWebhookDeliveries,
] as const;

export const notificationDefs = [
  notifications.TaskCreated,
  notifications.TaskFailed,
  notifications.TaskClosed,
  notifications.TaskParticipantsAdded,
  notifications.ConversationCreated,
  notifications.ConversationArchived,
  notifications.ConversationUnarchived,
  notifications.ConversationParticipantsAdded,
  notifications.ConversationParticipantsRemoved,
  notifications.MessageReceived,
  notifications.MessageRetracted,
  notifications.PresenceChanged,
  notifications.AdminFeedEvent,
  actionNotifications.ConsentRequested,
  actionNotifications.ConsentApproved,
  actionNotifications.ConsentRejected,
  actionNotifications.GrantRevoked,
  actionNotifications.ActionConfirmationRequested,
  ...actionEvents.eventDefs,
] as const;

export const callbackDefs = [
  callbacks.TaskCreateCallback,
  callbacks.MessageAuthorizeCallback,
  actionCallbacks.ActionExecuteCallback,
] as const;

export type AnyMethod = (typeof methods)[number];
export type MethodName = AnyMethod["name"];
export type MethodNamed<N extends MethodName> = Extract<AnyMethod, { name: N }>;

export type AnyNotification = (typeof notificationDefs)[number];
export type NotificationName = AnyNotification["name"];
type NotificationNamed<N extends NotificationName> = Extract<AnyNotification, { name: N }>;
/** A notification's params as received: logged ones carry their event-log cursor. */
export type NotificationParams<N extends NotificationName> = Schema.Schema.Type<NotificationNamed<N>["params"]> &
  (NotificationNamed<N>["logged"] extends true ? { readonly cursor: string } : {});

export type AnyCallback = (typeof callbackDefs)[number];
export type CallbackName = AnyCallback["name"];
export type CallbackNamed<N extends CallbackName> = Extract<AnyCallback, { name: N }>;

const byName = <D extends { name: string }>(defs: ReadonlyArray<D>) => new Map(defs.map((d) => [d.name, d]));
export const methodsByName: ReadonlyMap<string, MethodDef> = byName<MethodDef>(methods);
export const notificationsByName: ReadonlyMap<string, NotificationDef> = byName<NotificationDef>(notificationDefs);
export const callbacksByName: ReadonlyMap<string, CallbackDef> = byName<CallbackDef>(callbackDefs);
