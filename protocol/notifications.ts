import { Schema } from "effect";
import { defineNotification } from "./define.ts";
import {
  AgentId,
  ConversationId,
  Conversation,
  MessageId,
  Task,
  TaskId,
  TaskParticipant,
  Timestamp,
} from "./shapes.ts";
import { Message } from "./parts.ts";
import { PresenceStatus } from "./methods/directory.ts";
import { FeedEntry } from "./methods/inspector.ts";

/** Section 9. Logged notifications get `cursor` added to their params when pushed. */
export const TaskCreated = defineNotification({
  name: "task/created",
  summary: "A task was accepted by its app; to every task participant.",
  params: Schema.Struct({ task: Task, participants: Schema.Array(TaskParticipant) }),
  logged: true,
});

export const TaskFailed = defineNotification({
  name: "task/failed",
  summary: "A task was rejected, timed out, or its app was unreachable; to the initiator.",
  params: Schema.Struct({ taskId: TaskId, reason: Schema.String }),
  logged: true,
});

export const TaskClosed = defineNotification({
  name: "task/closed",
  summary: "A task closed; to its participants at closing.",
  params: Schema.Struct({ task: Task }),
  logged: true,
});

export const TaskParticipantsAdded = defineNotification({
  name: "task/participants-added",
  summary: "An agent was admitted to a task; to the task's participants, the new one included.",
  params: Schema.Struct({ taskId: TaskId, agentId: AgentId }),
  logged: true,
});

export const ConversationCreated = defineNotification({
  name: "agent/conversation/created",
  summary: "A conversation was created; to its participants.",
  params: Schema.Struct({ taskId: TaskId, conversation: Conversation, participants: Schema.Array(AgentId) }),
  logged: true,
});

export const ConversationArchived = defineNotification({
  name: "agent/conversation/archived",
  summary: "A conversation was archived; to its participants.",
  params: Schema.Struct({ taskId: TaskId, conversationId: ConversationId, archivedAt: Timestamp }),
  logged: true,
});

export const ConversationUnarchived = defineNotification({
  name: "agent/conversation/unarchived",
  summary: "A conversation was unarchived; to its participants.",
  params: Schema.Struct({ taskId: TaskId, conversationId: ConversationId }),
  logged: true,
});

export const ConversationParticipantsAdded = defineNotification({
  name: "agent/conversation/participants-added",
  summary: "Agents joined a conversation; to its participants after the change.",
  params: Schema.Struct({ taskId: TaskId, conversationId: ConversationId, agentIds: Schema.Array(AgentId) }),
  logged: true,
});

export const RemovalReason = Schema.Literal("task_leave", "app_remove");

export const ConversationParticipantsRemoved = defineNotification({
  name: "agent/conversation/participants-removed",
  summary: "Agents left or were removed from a conversation; to its participants before the change.",
  params: Schema.Struct({
    taskId: TaskId,
    conversationId: ConversationId,
    agentIds: Schema.Array(AgentId),
    reason: RemovalReason,
  }),
  logged: true,
});

export const MessageReceived = defineNotification({
  name: "message/received",
  summary: "A message arrived; to every other participant, or to the recipients the task's app chose.",
  params: Schema.Struct({ taskId: TaskId, conversationId: ConversationId, message: Message }),
  logged: true,
});

export const MessageRetracted = defineNotification({
  name: "message/retracted",
  summary: "A message was retracted by its sender; to the conversation's participants.",
  params: Schema.Struct({ taskId: TaskId, conversationId: ConversationId, messageId: MessageId }),
  logged: true,
});

export const PresenceChanged = defineNotification({
  name: "presence/changed",
  summary: "An agent went online or offline; to sockets subscribed to it. Not logged.",
  params: Schema.Struct({ agentId: AgentId, status: PresenceStatus }),
  logged: false,
});

export const AdminFeedEvent = defineNotification({
  name: "admin/feed/event",
  summary: "Something happened on the hub; to admin sockets that called admin/feed/subscribe. Not logged.",
  params: FeedEntry,
  logged: false,
});
