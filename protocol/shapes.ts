import { Schema } from "effect";
import { maxLength, minLength } from "./length.ts";

/**
 * The shapes of section 4: ids, timestamps, the principals and the core
 * resources. Ids are branded so that a conversation id cannot be passed where
 * a task id is expected; on the wire they are plain strings.
 */
const id = <B extends string>(brand: B, prefix: string) =>
  Schema.String.pipe(minLength(1), maxLength(100), Schema.brand(brand)).annotations({
    identifier: brand,
    description: `An id, normally \`${prefix}<random>\`.`,
  });

export const AgentId = id("AgentId", "agt_");
export type AgentId = typeof AgentId.Type;
export const AppId = id("AppId", "app_");
export type AppId = typeof AppId.Type;
export const UserId = id("UserId", "usr_");
export type UserId = typeof UserId.Type;
export const TaskId = id("TaskId", "tsk_");
export type TaskId = typeof TaskId.Type;
export const ConversationId = id("ConversationId", "cnv_");
export type ConversationId = typeof ConversationId.Type;
export const MessageId = id("MessageId", "msg_");
export type MessageId = typeof MessageId.Type;
/** Any principal's id: an agent, app or user id, or `admin`. */
export const PrincipalId = Schema.String.pipe(minLength(1), maxLength(100)).annotations({
  identifier: "PrincipalId",
});

export const Timestamp = Schema.String.annotations({
  identifier: "Timestamp",
  description: "ISO-8601 UTC with milliseconds.",
  jsonSchema: { type: "string", format: "date-time" },
});

/** A non-empty string of at most `max` characters. */
export const NonEmpty = (max: number) => Schema.String.pipe(minLength(1), maxLength(max));

/** An event-log cursor: a non-negative integer carried as a decimal string. */
export const Cursor = Schema.String.pipe(
  Schema.pattern(/^(0|[1-9][0-9]{0,18})$/, { message: () => "a cursor is a non-negative integer in a string" }),
).annotations({ identifier: "Cursor" });

export const AgentName = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9][a-z0-9_-]{1,30}[a-z0-9]$/, {
    message: () =>
      "agent names are 3 to 32 characters of a-z, 0-9, _ and -, starting and ending with a letter or digit",
  }),
).annotations({ identifier: "AgentName" });

/** App names namespace app-declared actions (`<appName>.<id>`), so they hold no dot. */
export const AppName = Schema.String.pipe(
  minLength(1),
  maxLength(64),
  Schema.pattern(/^[^.\s][^.]*$/, { message: () => "app names may not contain '.' or start with white space" }),
).annotations({ identifier: "AppName" });

export const Agent = Schema.Struct({
  id: AgentId,
  name: Schema.String,
  displayName: Schema.optional(Schema.String),
  ownerUserId: Schema.optional(UserId),
  status: Schema.Literal("active", "suspended"),
  did: Schema.String,
  createdAt: Timestamp,
}).annotations({ identifier: "Agent" });
export type Agent = typeof Agent.Type;

export const User = Schema.Struct({
  id: UserId,
  name: Schema.String,
  createdAt: Timestamp,
}).annotations({ identifier: "User" });
export type User = typeof User.Type;

export const App = Schema.Struct({
  id: AppId,
  name: Schema.String,
  scopes: Schema.Array(Schema.String),
  capabilities: Schema.Array(Schema.String),
  createdAt: Timestamp,
}).annotations({ identifier: "App" });
export type App = typeof App.Type;

export const TaskStatus = Schema.Literal("waiting", "active", "failed", "closed");
export type TaskStatus = typeof TaskStatus.Type;

export const Task = Schema.Struct({
  id: TaskId,
  appId: AppId,
  initiatorAgentId: AgentId,
  title: Schema.optional(Schema.String),
  status: TaskStatus,
  failureReason: Schema.optional(Schema.String),
  createdAt: Timestamp,
  startedAt: Schema.optional(Timestamp),
  endedAt: Schema.optional(Timestamp),
}).annotations({ identifier: "Task" });
export type Task = typeof Task.Type;

export const TaskParticipant = Schema.Struct({
  agentId: AgentId,
  admittedAt: Timestamp,
}).annotations({ identifier: "TaskParticipant" });
export type TaskParticipant = typeof TaskParticipant.Type;

export const Conversation = Schema.Struct({
  id: ConversationId,
  taskId: TaskId,
  name: Schema.optional(Schema.String),
  createdBy: Schema.String,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  archivedAt: Schema.optional(Timestamp),
  lastMessageAt: Schema.optional(Timestamp),
}).annotations({ identifier: "Conversation" });
export type Conversation = typeof Conversation.Type;

/** A list page (section 4): `nextCursor` is absent on the last page. */
export const Page = <A, I>(item: Schema.Schema<A, I, never>) =>
  Schema.Struct({ items: Schema.Array(item), nextCursor: Schema.optional(Schema.String) });

export const ListLimit = Schema.Int.pipe(Schema.between(1, 200)).annotations({
  description: "Page size, 1 to 200; 50 when omitted.",
});
export const ListCursor = Schema.String.pipe(maxLength(512)).annotations({
  description: "The nextCursor of the previous page, passed back with the same other params.",
});
export const ListFields = {
  limit: Schema.optional(ListLimit),
  cursor: Schema.optional(ListCursor),
};

/**
 * `{}` and nothing else. A bare `Schema.Struct({})` accepts any value with any
 * fields, so unknown fields are refused through a never-valued index signature.
 */
export const Empty = Schema.Struct(
  {},
  Schema.Record({
    key: Schema.String,
    value: Schema.Never.annotations({ message: () => "is unexpected: this object takes no fields" }),
  }),
);

export const Principal = Schema.Union(
  Schema.Struct({ type: Schema.Literal("agent"), agentId: AgentId, name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("app"), appId: AppId, name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("user"), userId: UserId, name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("admin") }),
).annotations({ identifier: "Principal" });
export type Principal = typeof Principal.Type;
