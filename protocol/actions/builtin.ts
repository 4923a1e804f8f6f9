import { Schema } from "effect";
import type { WireSchema } from "../define.ts";
import { NonEmpty, UserId } from "../shapes.ts";
import { ChatId, ChatMessageId, CircleId, ConnectionId, CoordinationRequestId, UserIntentId } from "./ids.ts";
import { CircleKind, ConnectionType, RequestStatus, UserIntentStatus } from "./shapes.ts";
import * as Events from "./events.ts";
import type { ActionEventDef } from "./events.ts";

/**
 * The twelve built-in actions of section 7.4, each declared once: its
 * params and result are Effect Schemas that both validate invocations and
 * generate the JSON Schemas `actions/list` shows.
 */
export interface BuiltinActionDef<
  Id extends string = string,
  P extends WireSchema = WireSchema,
  R extends WireSchema = WireSchema,
> {
  readonly id: Id;
  readonly name: string;
  readonly description: string;
  readonly capability: string;
  readonly side_effects: "local" | "external";
  readonly params: P;
  readonly result: R;
  readonly event: ActionEventDef;
}

const defineAction = <const Id extends string, P extends WireSchema, R extends WireSchema>(
  def: BuiltinActionDef<Id, P, R>,
): BuiltinActionDef<Id, P, R> => def;

/** Every built-in result carries the action and the user it acted for. */
const result = <const Id extends string, F extends Schema.Struct.Fields>(id: Id, fields: F) =>
  Schema.Struct({ action: Schema.Literal(id), actorUserId: UserId, ...fields });

const IntentText = NonEmpty(2000);
const Framing = NonEmpty(500);

const intentResult = <const Id extends string>(id: Id) =>
  result(id, { intentId: UserIntentId, status: UserIntentStatus, unchanged: Schema.Boolean });
const requestResult = <const Id extends string>(id: Id) =>
  result(id, { requestId: CoordinationRequestId, status: RequestStatus });
const circleMemberResult = <const Id extends string>(id: Id) =>
  result(id, { circleId: CircleId, memberCount: Schema.Int });

export const IntentCreate = defineAction({
  id: "intent.create",
  name: "Create intent",
  description:
    "Creates a coordination intent for the acting user. An identical active intent (same text and framing) is returned with unchanged: true instead of a second one.",
  capability: "intent.write",
  side_effects: "local",
  params: Schema.Struct({ text: IntentText, framing: Schema.optional(Framing) }),
  result: intentResult("intent.create"),
  event: Events.IntentCreated,
});

export const IntentUpdate = defineAction({
  id: "intent.update",
  name: "Update intent",
  description:
    "Updates the text or framing of an intent the acting user owns; unchanged: true when nothing differs (no event then).",
  capability: "intent.write",
  side_effects: "local",
  params: Schema.Struct({
    intentId: UserIntentId,
    text: Schema.optional(IntentText),
    framing: Schema.optional(Framing),
  }),
  result: intentResult("intent.update"),
  event: Events.IntentUpdated,
});

export const IntentCancel = defineAction({
  id: "intent.cancel",
  name: "Cancel intent",
  description: "Cancels an intent the acting user owns, and with it every pending request sent for it.",
  capability: "intent.write",
  side_effects: "local",
  params: Schema.Struct({ intentId: UserIntentId }),
  result: result("intent.cancel", {
    intentId: UserIntentId,
    status: UserIntentStatus,
    cancelledRequestCount: Schema.Int,
  }),
  event: Events.IntentCancelled,
});

export const RequestSend = defineAction({
  id: "request.send",
  name: "Send request",
  description: "Sends a coordination request for an active intent of the acting user to another user.",
  capability: "request.write",
  side_effects: "external",
  params: Schema.Struct({ intentId: UserIntentId, recipientUserId: UserId, note: Schema.optional(NonEmpty(1000)) }),
  result: requestResult("request.send"),
  event: Events.RequestSent,
});

export const RequestAccept = defineAction({
  id: "request.accept",
  name: "Accept request",
  description: "Accepts a pending request the acting user received.",
  capability: "request.write",
  side_effects: "external",
  params: Schema.Struct({ requestId: CoordinationRequestId }),
  result: requestResult("request.accept"),
  event: Events.RequestAccepted,
});

export const RequestReject = defineAction({
  id: "request.reject",
  name: "Reject request",
  description: "Rejects a pending request the acting user received.",
  capability: "request.write",
  side_effects: "external",
  params: Schema.Struct({ requestId: CoordinationRequestId }),
  result: requestResult("request.reject"),
  event: Events.RequestRejected,
});

export const ConnectionCreate = defineAction({
  id: "connection.create",
  name: "Create connection",
  description:
    "Creates a direct (exactly one other user) or group connection; userIds are the others, the acting user is added.",
  capability: "connection.write",
  side_effects: "external",
  params: Schema.Struct({
    type: ConnectionType,
    userIds: Schema.Array(UserId).pipe(Schema.minItems(1), Schema.maxItems(49)),
  }),
  result: result("connection.create", { connectionId: ConnectionId }),
  event: Events.ConnectionCreated,
});

export const ChatCreate = defineAction({
  id: "chat.create",
  name: "Create chat",
  description: "Creates a chat on a connection the acting user belongs to; its members are the connection's.",
  capability: "chat.write",
  side_effects: "local",
  params: Schema.Struct({ connectionId: ConnectionId, title: Schema.optional(NonEmpty(200)) }),
  result: result("chat.create", { chatId: ChatId }),
  event: Events.ChatCreated,
});

export const ChatSendMessage = defineAction({
  id: "chat.send_message",
  name: "Send chat message",
  description:
    "Sends a message into a chat the acting user belongs to. A repeated clientMessageId (per sender and chat) returns the first message with unchanged: true.",
  capability: "chat.write",
  side_effects: "external",
  params: Schema.Struct({ chatId: ChatId, text: NonEmpty(4000), clientMessageId: Schema.optional(NonEmpty(64)) }),
  result: result("chat.send_message", { messageId: ChatMessageId, unchanged: Schema.Boolean }),
  event: Events.ChatMessageSent,
});

export const CircleCreate = defineAction({
  id: "circle.create",
  name: "Create circle",
  description: "Creates a recurring or group circle owned by the acting user, its first member.",
  capability: "circle.write",
  side_effects: "local",
  params: Schema.Struct({ name: NonEmpty(100), kind: CircleKind, schedule: Schema.optional(NonEmpty(200)) }),
  result: result("circle.create", { circleId: CircleId }),
  event: Events.CircleCreated,
});

export const CircleJoin = defineAction({
  id: "circle.join",
  name: "Join circle",
  description: "The acting user joins a circle; or its owner adds userId.",
  capability: "circle.write",
  side_effects: "local",
  params: Schema.Struct({ circleId: CircleId, userId: Schema.optional(UserId) }),
  result: circleMemberResult("circle.join"),
  event: Events.CircleJoined,
});

export const CircleLeave = defineAction({
  id: "circle.leave",
  name: "Leave circle",
  description: "The acting user leaves a circle; or its owner removes userId.",
  capability: "circle.write",
  side_effects: "local",
  params: Schema.Struct({ circleId: CircleId, userId: Schema.optional(UserId) }),
  result: circleMemberResult("circle.leave"),
  event: Events.CircleLeft,
});

export const builtinActions = [
  IntentCreate,
  IntentUpdate,
  IntentCancel,
  RequestSend,
  RequestAccept,
  RequestReject,
  ConnectionCreate,
  ChatCreate,
  ChatSendMessage,
  CircleCreate,
  CircleJoin,
  CircleLeave,
] as const;

export type AnyBuiltinAction = (typeof builtinActions)[number];
export type BuiltinActionId = AnyBuiltinAction["id"];
export type BuiltinActionNamed<Id extends BuiltinActionId> = Extract<AnyBuiltinAction, { id: Id }>;
export type BuiltinParams<Id extends BuiltinActionId> = Schema.Schema.Encoded<BuiltinActionNamed<Id>["params"]>;
export type BuiltinResult<Id extends BuiltinActionId> = Schema.Schema.Type<BuiltinActionNamed<Id>["result"]>;
