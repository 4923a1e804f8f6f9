import { Schema } from "effect";
import { maxLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { AgentCard } from "../cards.ts";
import { Message } from "../parts.ts";
import { Grant } from "../actions/shapes.ts";
import { AppManifest } from "../manifest.ts";
import {
  Agent,
  AgentId,
  App,
  AppId,
  Conversation,
  ConversationId,
  Empty,
  ListFields,
  Page,
  Task,
  TaskId,
  TaskParticipant,
  TaskStatus,
  Timestamp,
  User,
} from "../shapes.ts";

/**
 * The admin reads and actions behind the web inspector (GET /inspector).
 * Ordinary methods, so the CLI and scripts can use them too.
 */

const Count = Schema.NonNegativeInt;
const SocketPrincipalType = Schema.Literal("agent", "app", "user", "admin", "anonymous");

export const ConnectionIdString = Schema.String.pipe(Schema.pattern(/^conn_[0-9a-z]{1,32}$/)).annotations({
  identifier: "ConnectionId",
  description: "conn_<id>, the connectionId auth/connect returned to the socket.",
});

export const SocketInfo = Schema.Struct({
  connectionId: Schema.String,
  principalType: SocketPrincipalType,
  principalId: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  address: Schema.optional(Schema.String),
  connectedAt: Timestamp,
  bufferedBytes: Count.annotations({ description: "Data written to the socket and not yet taken by the kernel." }),
  cursorLag: Count.annotations({
    description: "Logged events of the principal not yet sent on this socket (0 when it is up to date).",
  }),
  live: Schema.Boolean,
}).annotations({ identifier: "SocketInfo" });
export type SocketInfo = typeof SocketInfo.Type;

const SocketCounts = Schema.Struct({
  agent: Count,
  app: Count,
  user: Count,
  admin: Count,
  anonymous: Count,
});

export const OverviewSample = Schema.Struct({
  at: Timestamp,
  agentsOnline: Count,
  sockets: Count,
  messagesPerSecond: Schema.Number,
  commitsPerSecond: Schema.Number,
  commitMs: Schema.Number.annotations({ description: "Mean time to run and commit one group, over the second." }),
  commitGroup: Schema.Number.annotations({ description: "Mean writes per group commit, over the second." }),
  callbacksInFlight: Count,
  slowConsumerCloses: Count.annotations({ description: "Sockets closed as slow consumers (4008) in the second." }),
}).annotations({ identifier: "OverviewSample" });
export type OverviewSample = typeof OverviewSample.Type;

export const AdminOverview = defineMethod({
  name: "admin/overview",
  summary:
    "What the hub is doing now: agents online, sockets by principal type, tasks by status, callbacks in flight, totals since start, and one sample a second for the last minutes.",
  params: Empty,
  result: Schema.Struct({
    at: Timestamp,
    version: Schema.String,
    startedAt: Timestamp,
    agentsOnline: Count,
    sockets: SocketCounts,
    tasks: Schema.Struct({ waiting: Count, active: Count, failed: Count, closed: Count }),
    callbacksInFlight: Count,
    totals: Schema.Struct({ messages: Count, commits: Count, slowConsumerCloses: Count, callbacks: Count }),
    history: Schema.Array(OverviewSample),
  }),
  callers: ["admin"],
  errors: [],
});

export const FeedKind = Schema.Literal(
  "agent.connected",
  "agent.disconnected",
  "task.requested",
  "task.created",
  "task.rejected",
  "task.closed",
  "task.participant-added",
  "conversation.created",
  "conversation.archived",
  "conversation.unarchived",
  "conversation.participants",
  "message.sent",
  "message.retracted",
  "action",
  "callback",
  "event",
);
export type FeedKind = typeof FeedKind.Type;

export const FeedFilter = Schema.Struct({
  agentId: Schema.optional(AgentId),
  appId: Schema.optional(AppId),
  taskId: Schema.optional(TaskId),
  conversationId: Schema.optional(ConversationId),
}).annotations({ identifier: "FeedFilter" });
export type FeedFilter = typeof FeedFilter.Type;

export const FeedEntry = Schema.Struct({
  seq: Count.annotations({ description: "Increases by one per entry the hub produced since it started." }),
  at: Timestamp,
  kind: FeedKind,
  summary: Schema.String.annotations({ description: "One line for people; at most 300 characters." }),
  method: Schema.optional(Schema.String),
  agentId: Schema.optional(Schema.String),
  appId: Schema.optional(Schema.String),
  taskId: Schema.optional(Schema.String),
  conversationId: Schema.optional(Schema.String),
  messageId: Schema.optional(Schema.String),
  connectionId: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  outcome: Schema.optional(Schema.String),
}).annotations({ identifier: "FeedEntry" });
export type FeedEntry = typeof FeedEntry.Type;

export const AdminFeedSubscribe = defineMethod({
  name: "admin/feed/subscribe",
  summary:
    "Follow what happens on the hub on this socket (admin/feed/event), from committed events, connections and callbacks; the filter keeps entries naming every given id. Replaces this socket's filter. A socket that cannot keep up is closed like any slow consumer (4008).",
  params: Schema.Struct({ filter: Schema.optional(FeedFilter) }),
  result: Schema.Struct({ seq: Count.annotations({ description: "The seq of the last entry produced so far." }) }),
  callers: ["admin"],
  errors: [],
  socketOnly: true,
});

export const AdminFeedUnsubscribe = defineMethod({
  name: "admin/feed/unsubscribe",
  summary: "Stop following the feed on this socket.",
  params: Empty,
  result: Empty,
  callers: ["admin"],
  errors: [],
  socketOnly: true,
});

export const AdminSocketsList = defineMethod({
  name: "admin/sockets/list",
  summary: "Open sockets with their principal, address, buffered bytes and cursor lag, newest first.",
  params: Schema.Struct({
    principalType: Schema.optional(SocketPrincipalType),
    principalId: Schema.optional(Schema.String.pipe(maxLength(100))),
    ...ListFields,
  }),
  result: Page(SocketInfo),
  callers: ["admin"],
  errors: [],
});

export const AdminSocketClose = defineMethod({
  name: "admin/socket/close",
  summary: "Close one socket (code 4000); its client may reconnect and resume from its cursor.",
  params: Schema.Struct({ connectionId: ConnectionIdString }),
  result: Empty,
  callers: ["admin"],
  errors: ["NotFound"],
});

const LoggedEventItem = Schema.Struct({ cursor: Schema.String, method: Schema.String, params: Schema.Unknown });

export const AdminAgentGet = defineMethod({
  name: "admin/agent/get",
  summary: "An agent with its card, owner, open sockets, recent tasks and the newest entries of its event log.",
  params: Schema.Struct({ agentId: AgentId }),
  result: Schema.Struct({
    agent: Agent,
    card: Schema.NullOr(AgentCard),
    owner: Schema.NullOr(User),
    online: Schema.Boolean,
    sockets: Schema.Array(SocketInfo),
    tasks: Schema.Array(Task),
    recentEvents: Schema.Array(LoggedEventItem),
  }),
  callers: ["admin"],
  errors: ["AgentNotFound"],
});

export const AdminTasksList = defineMethod({
  name: "admin/tasks/list",
  summary: "Every task, newest first; filter by status, app or participant.",
  params: Schema.Struct({
    status: Schema.optional(TaskStatus),
    appId: Schema.optional(AppId),
    agentId: Schema.optional(AgentId),
    ...ListFields,
  }),
  result: Page(Task),
  callers: ["admin"],
  errors: [],
});

export const InspectedConversation = Schema.Struct({
  conversation: Conversation,
  participants: Schema.Array(AgentId),
}).annotations({ identifier: "InspectedConversation" });

export const AdminTaskGet = defineMethod({
  name: "admin/task/get",
  summary: "A task with its participants and conversations (newest activity first, up to 200).",
  params: Schema.Struct({ taskId: TaskId }),
  result: Schema.Struct({
    task: Task,
    participants: Schema.Array(TaskParticipant),
    conversations: Schema.Array(InspectedConversation),
  }),
  callers: ["admin"],
  errors: ["TaskNotFound"],
});

export const AdminTaskClose = defineMethod({
  name: "admin/task/close",
  summary: "Close a task as its app would (task/closed to its participants).",
  params: Schema.Struct({ taskId: TaskId }),
  result: Schema.Struct({ task: Task }),
  callers: ["admin"],
  errors: ["TaskNotFound", "TaskClosed"],
});

export const AdminConversationGet = defineMethod({
  name: "admin/conversation/get",
  summary: "A conversation with its participants.",
  params: Schema.Struct({ conversationId: ConversationId }),
  result: InspectedConversation,
  callers: ["admin"],
  errors: ["ConversationNotFound"],
});

export const AdminConversationArchive = defineMethod({
  name: "admin/conversation/archive",
  summary: "Archive a conversation as its app would (agent/conversation/archived to its participants); idempotent.",
  params: Schema.Struct({ conversationId: ConversationId }),
  result: Schema.Struct({ conversation: Conversation }),
  callers: ["admin"],
  errors: ["ConversationNotFound"],
});

export const AdminMessagesList = defineMethod({
  name: "admin/messages/list",
  summary:
    "A conversation's history, ascending by seq: the newest page before beforeSeq (or the end), or the first page after afterSeq; nextCursor continues in the same direction.",
  params: Schema.Struct({
    conversationId: ConversationId,
    afterSeq: Schema.optional(Schema.NonNegativeInt),
    beforeSeq: Schema.optional(Schema.NonNegativeInt),
    ...ListFields,
  }),
  result: Page(Message),
  callers: ["admin"],
  errors: ["ConversationNotFound"],
});

export const AdminAppsList = defineMethod({
  name: "admin/apps/list",
  summary: "Every app, by id.",
  params: Schema.Struct({ ...ListFields }),
  result: Page(App),
  callers: ["admin"],
  errors: [],
});

export const AdminAppGet = defineMethod({
  name: "admin/app/get",
  summary: "An app with its manifest, sockets, callbacks in flight and its grants (newest first, up to 100).",
  params: Schema.Struct({ appId: AppId }),
  result: Schema.Struct({
    app: App,
    manifest: AppManifest,
    sockets: Schema.Array(SocketInfo),
    callbacksInFlight: Count,
    grants: Schema.Array(Grant),
  }),
  callers: ["admin"],
  errors: ["AppNotFound"],
});
