import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import {
  AgentId,
  AppId,
  Conversation,
  Empty,
  ListFields,
  Page,
  Task,
  TaskId,
  TaskParticipant,
  TaskStatus,
} from "../shapes.ts";

const AgentIds = (max: number) => Schema.Array(AgentId).pipe(Schema.maxItems(max));
const ConversationName = Schema.String.pipe(minLength(1), maxLength(100));

export const InitialConversation = Schema.Struct({
  name: Schema.optional(ConversationName),
  // At least one, as for app/conversation/create: an empty list made a conversation nobody could use.
  participants: Schema.optional(AgentIds(1000).pipe(Schema.minItems(1))),
}).annotations({ identifier: "InitialConversation" });

export const TaskRequest = defineMethod({
  name: "task/request",
  summary:
    "Open a task on an app (app_default when omitted) with invited agents. The app is asked with task/create; the call answers after its verdict with the task and, when initialConversation is given, its first conversation.",
  params: Schema.Struct({
    appId: Schema.optional(AppId),
    invitedAgentIds: AgentIds(1000),
    title: Schema.optional(Schema.String.pipe(minLength(1), maxLength(200))),
    initialConversation: Schema.optional(InitialConversation),
  }),
  result: Schema.Struct({ task: Task, conversation: Schema.NullOr(Conversation) }),
  callers: ["agent"],
  errors: ["AppNotFound", "AgentNotFound", "ParticipantNotAdmitted", "ConversationFull", "TaskRejected"],
});

const TaskListParams = Schema.Struct({ status: Schema.optional(TaskStatus), ...ListFields });

export const TaskList = defineMethod({
  name: "task/list",
  summary: "The tasks the caller participates in, newest first.",
  params: TaskListParams,
  result: Page(Task),
  callers: ["agent"],
  errors: [],
});

export const TaskGet = defineMethod({
  name: "task/get",
  summary: "A task and its participants; for its participants and its owning app.",
  params: Schema.Struct({ taskId: TaskId }),
  result: Schema.Struct({ task: Task, participants: Schema.Array(TaskParticipant) }),
  callers: ["agent", "app"],
  errors: ["TaskNotFound", "Forbidden"],
});

export const TaskLeave = defineMethod({
  name: "task/leave",
  summary:
    "Leave a task and all its conversations at once. When nobody is left the task closes. Leaving twice is a no-op.",
  params: Schema.Struct({ taskId: TaskId }),
  result: Empty,
  callers: ["agent"],
  errors: ["TaskNotFound"],
});

export const TaskClose = defineMethod({
  name: "task/close",
  summary: "Close a task the app owns; task/closed goes to every participant.",
  params: Schema.Struct({ taskId: TaskId }),
  result: Schema.Struct({ task: Task }),
  callers: ["app"],
  errors: ["Forbidden", "TaskNotFound", "TaskClosed"],
});

export const TaskParticipantsAdd = defineMethod({
  name: "task/participants/add",
  summary: "Admit an agent to a task the app owns.",
  params: Schema.Struct({ taskId: TaskId, agentId: AgentId }),
  result: Schema.Struct({ participant: TaskParticipant }),
  callers: ["app"],
  errors: ["Forbidden", "TaskNotFound", "TaskClosed", "AgentNotFound"],
});

export const TaskParticipantsRemove = defineMethod({
  name: "task/participants/remove",
  summary: "Remove an agent from a task the app owns, and from all its conversations.",
  params: Schema.Struct({ taskId: TaskId, agentId: AgentId }),
  result: Empty,
  callers: ["app"],
  errors: ["Forbidden", "TaskNotFound", "TaskClosed", "ParticipantNotAdmitted"],
});

export const AppTaskList = defineMethod({
  name: "app/task/list",
  summary: "The tasks the calling app owns, newest first.",
  params: TaskListParams,
  result: Page(Task),
  callers: ["app"],
  errors: [],
});
