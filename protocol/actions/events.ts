import { Schema } from "effect";
import { maxLength } from "../length.ts";
import { defineNotification } from "../define.ts";
import { AgentId, AppId, Timestamp, UserId } from "../shapes.ts";
import { CoordinationRequestId, EventId } from "./ids.ts";
import { Chat, ChatMessage, Circle, Connection, CoordinationRequest, UserIntent } from "./shapes.ts";

/**
 * The events of the built-in families (section 7.4): logged notifications
 * whose method is the event name and whose params are the envelope
 * `{event, eventId, occurredAt, actorAppId?, actorUserId, resource, payload}`.
 * `actorAgentId` is added when an agent acted for its owner.
 */
const envelope = <const E extends string, const R extends string>(name: E, resourceType: R) => ({
  event: Schema.Literal(name),
  eventId: EventId,
  occurredAt: Timestamp,
  actorAppId: Schema.optional(AppId),
  actorAgentId: Schema.optional(AgentId),
  actorUserId: UserId,
  resource: Schema.Struct({ type: Schema.Literal(resourceType), id: Schema.String }),
});

const toSubscribers = "and to apps subscribed with events/subscribe that a concerned user has granted";

export const IntentCreated = defineNotification({
  name: "intent.created",
  summary: `An intent was created; to its owner ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({ ...envelope("intent.created", "intent"), payload: Schema.Struct({ intent: UserIntent }) }),
});
export const IntentUpdated = defineNotification({
  name: "intent.updated",
  summary: `An intent's text or framing changed; to its owner ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({ ...envelope("intent.updated", "intent"), payload: Schema.Struct({ intent: UserIntent }) }),
});
export const IntentCancelled = defineNotification({
  name: "intent.cancelled",
  summary: `An intent was cancelled with its pending requests; to its owner and the recipients of those requests, ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("intent.cancelled", "intent"),
    payload: Schema.Struct({ intent: UserIntent, cancelledRequestIds: Schema.Array(CoordinationRequestId) }),
  }),
});
export const RequestSent = defineNotification({
  name: "request.sent",
  summary: `A request was sent; to its sender and recipient ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("request.sent", "request"),
    payload: Schema.Struct({ request: CoordinationRequest }),
  }),
});
export const RequestAccepted = defineNotification({
  name: "request.accepted",
  summary: `A request was accepted; to its sender and recipient ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("request.accepted", "request"),
    payload: Schema.Struct({ request: CoordinationRequest }),
  }),
});
export const RequestRejected = defineNotification({
  name: "request.rejected",
  summary: `A request was rejected; to its sender and recipient ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("request.rejected", "request"),
    payload: Schema.Struct({ request: CoordinationRequest }),
  }),
});
export const ConnectionCreated = defineNotification({
  name: "connection.created",
  summary: `A connection was created; to its members ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("connection.created", "connection"),
    payload: Schema.Struct({ connection: Connection }),
  }),
});
export const ChatCreated = defineNotification({
  name: "chat.created",
  summary: `A chat was created on a connection; to its members ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({ ...envelope("chat.created", "chat"), payload: Schema.Struct({ chat: Chat }) }),
});
export const ChatMessageSent = defineNotification({
  name: "chat.message.sent",
  summary: `A message was sent in a chat; to the chat's members ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("chat.message.sent", "chat_message"),
    payload: Schema.Struct({ message: ChatMessage }),
  }),
});
export const CircleCreated = defineNotification({
  name: "circle.created",
  summary: `A circle was created; to its creator ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({ ...envelope("circle.created", "circle"), payload: Schema.Struct({ circle: Circle }) }),
});
export const CircleJoined = defineNotification({
  name: "circle.joined",
  summary: `A user joined a circle or was added by its owner; to its members and owner ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("circle.joined", "circle"),
    payload: Schema.Struct({ circle: Circle, userId: UserId }),
  }),
});
export const CircleLeft = defineNotification({
  name: "circle.left",
  summary: `A user left a circle or was removed by its owner; to its members before the change and its owner ${toSubscribers}.`,
  logged: true,
  params: Schema.Struct({
    ...envelope("circle.left", "circle"),
    payload: Schema.Struct({ circle: Circle, userId: UserId }),
  }),
});

export const eventDefs = [
  IntentCreated,
  IntentUpdated,
  IntentCancelled,
  RequestSent,
  RequestAccepted,
  RequestRejected,
  ConnectionCreated,
  ChatCreated,
  ChatMessageSent,
  CircleCreated,
  CircleJoined,
  CircleLeft,
] as const;

export type ActionEventDef = (typeof eventDefs)[number];
export type ActionEventName = ActionEventDef["name"];
export const actionEventNames: ReadonlyArray<ActionEventName> = eventDefs.map((d) => d.name);

/** An events/subscribe pattern: `*`, an event name, or a prefix ending in `.*` (`intent.*`, `chat.*`). */
export const matchesEvent = (pattern: string, event: string): boolean =>
  pattern === "*" || pattern === event || (pattern.endsWith(".*") && event.startsWith(pattern.slice(0, -1)));

export const EventPattern = Schema.String.pipe(
  maxLength(100),
  Schema.filter((p) => actionEventNames.some((e) => matchesEvent(p, e)), {
    message: () =>
      `matches no event; use *, an event name (${actionEventNames.join(", ")}) or a family prefix such as intent.*`,
  }),
).annotations({ identifier: "EventPattern" });
