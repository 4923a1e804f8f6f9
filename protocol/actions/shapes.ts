import { Schema } from "effect";
import { maxLength } from "../length.ts";
import { AgentId, AppId, NonEmpty, Timestamp, UserId } from "../shapes.ts";
import {
  ChatId,
  ChatMessageId,
  CircleId,
  ConnectionId,
  ConsentId,
  CoordinationRequestId,
  GrantId,
  UserIntentId,
} from "./ids.ts";

/** Section 7.3: delegated authority. Only user grants are executable; the others are modeled only. */
export const GrantSubjectType = Schema.Literal("user", "app", "service", "agent");
export type GrantSubjectType = typeof GrantSubjectType.Type;

export const Capabilities = Schema.Array(NonEmpty(100)).pipe(Schema.minItems(1), Schema.maxItems(50));

export const Grant = Schema.Struct({
  id: GrantId,
  appId: AppId,
  subjectType: GrantSubjectType,
  subjectId: Schema.String,
  scope: Schema.String,
  capabilities: Schema.Array(Schema.String),
  executionMode: Schema.Literal("executable", "modeled_only"),
  status: Schema.Literal("active", "revoked"),
  createdAt: Timestamp,
  revokedAt: Schema.optional(Timestamp),
}).annotations({ identifier: "Grant" });
export type Grant = typeof Grant.Type;

export const ConsentStatus = Schema.Literal("pending", "approved", "rejected");
export type ConsentStatus = typeof ConsentStatus.Type;

export const Consent = Schema.Struct({
  id: ConsentId,
  appId: AppId,
  userId: UserId,
  scope: Schema.String,
  capabilities: Schema.Array(Schema.String),
  note: Schema.optional(Schema.String),
  status: ConsentStatus,
  createdAt: Timestamp,
}).annotations({ identifier: "Consent" });
export type Consent = typeof Consent.Type;

/** Who invoked an action. */
export const Invoker = Schema.Struct({
  type: Schema.Literal("agent", "app", "user"),
  id: Schema.String,
}).annotations({ identifier: "Invoker" });
export type Invoker = typeof Invoker.Type;

/** Section 7.2 `_context`: logged, passed to app-served actions, never required. */
export const ActionContext = Schema.Struct({
  invoked_by: Schema.optional(Schema.String.pipe(maxLength(200))),
  pane_id: Schema.optional(Schema.String.pipe(maxLength(200))),
  space_id: Schema.optional(Schema.String.pipe(maxLength(200))),
  timestamp: Schema.optional(Schema.String.pipe(maxLength(200))),
}).annotations({ identifier: "ActionContext" });
export type ActionContext = typeof ActionContext.Type;

// The resources of the built-in families (section 7.4).

export const UserIntentStatus = Schema.Literal("active", "cancelled");
export type UserIntentStatus = typeof UserIntentStatus.Type;

export const UserIntent = Schema.Struct({
  id: UserIntentId,
  ownerUserId: UserId,
  text: Schema.String,
  framing: Schema.optional(Schema.String),
  status: UserIntentStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  cancelledAt: Schema.optional(Timestamp),
}).annotations({ identifier: "UserIntent" });
export type UserIntent = typeof UserIntent.Type;

export const RequestStatus = Schema.Literal("pending", "accepted", "rejected", "cancelled");
export type RequestStatus = typeof RequestStatus.Type;

export const CoordinationRequest = Schema.Struct({
  id: CoordinationRequestId,
  intentId: UserIntentId,
  senderUserId: UserId,
  recipientUserId: UserId,
  note: Schema.optional(Schema.String),
  status: RequestStatus,
  createdAt: Timestamp,
  answeredAt: Schema.optional(Timestamp),
}).annotations({ identifier: "CoordinationRequest" });
export type CoordinationRequest = typeof CoordinationRequest.Type;

export const ConnectionType = Schema.Literal("direct", "group");

export const Connection = Schema.Struct({
  id: ConnectionId,
  type: ConnectionType,
  userIds: Schema.Array(UserId),
  createdBy: UserId,
  createdAt: Timestamp,
}).annotations({ identifier: "Connection" });
export type Connection = typeof Connection.Type;

export const Chat = Schema.Struct({
  id: ChatId,
  connectionId: ConnectionId,
  title: Schema.optional(Schema.String),
  memberUserIds: Schema.Array(UserId),
  createdBy: UserId,
  createdAt: Timestamp,
}).annotations({ identifier: "Chat" });
export type Chat = typeof Chat.Type;

export const ChatMessage = Schema.Struct({
  id: ChatMessageId,
  chatId: ChatId,
  senderUserId: UserId,
  text: Schema.String,
  clientMessageId: Schema.optional(Schema.String),
  createdAt: Timestamp,
}).annotations({ identifier: "ChatMessage" });
export type ChatMessage = typeof ChatMessage.Type;

export const CircleKind = Schema.Literal("recurring", "group");

export const Circle = Schema.Struct({
  id: CircleId,
  name: Schema.String,
  kind: CircleKind,
  schedule: Schema.optional(Schema.String),
  ownerUserId: UserId,
  memberCount: Schema.Int,
  createdAt: Timestamp,
}).annotations({ identifier: "Circle" });
export type Circle = typeof Circle.Type;

/** Who acted, as events and results name them. */
export interface Actor {
  readonly userId: UserId;
  readonly appId?: AppId | undefined;
  readonly agentId?: AgentId | undefined;
}
