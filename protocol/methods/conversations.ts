import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { AgentId, Conversation, ConversationId, Empty, ListFields, Page, TaskId } from "../shapes.ts";

const Participants = Schema.Array(AgentId).pipe(Schema.minItems(1), Schema.maxItems(1000));
const CreateParams = Schema.Struct({
  taskId: TaskId,
  name: Schema.optional(Schema.String.pipe(minLength(1), maxLength(100))),
  participants: Participants,
});
const ConversationResult = Schema.Struct({ conversation: Conversation });
const Ref = { taskId: TaskId, conversationId: ConversationId };
const AppCaller = ["app"] as const;

export const ConversationAction = Schema.Union(
  Schema.Struct({ type: Schema.Literal("archive") }),
  Schema.Struct({ type: Schema.Literal("unarchive") }),
  Schema.Struct({ type: Schema.Literal("add-participant"), agentId: AgentId }),
  Schema.Struct({ type: Schema.Literal("remove-participant"), agentId: AgentId }),
).annotations({ identifier: "ConversationAction" });
export type ConversationAction = typeof ConversationAction.Type;

const createErrors = [
  "Forbidden",
  "TaskNotFound",
  "TaskClosed",
  "AgentNotFound",
  "ParticipantNotAdmitted",
  "ConversationFull",
] as const;
const updateErrors = [...createErrors, "ConversationNotFound"] as const;

export const AppConversationCreate = defineMethod({
  name: "app/conversation/create",
  summary: "Create a conversation in a task the app owns, among agents admitted to the task.",
  params: CreateParams,
  result: ConversationResult,
  callers: AppCaller,
  errors: createErrors,
});

export const AppConversationUpdate = defineMethod({
  name: "app/conversation/update",
  summary: "Archive, unarchive, or add or remove a participant of a conversation in a task the app owns.",
  params: Schema.Struct({ ...Ref, action: ConversationAction }),
  result: ConversationResult,
  callers: AppCaller,
  errors: updateErrors,
});

export const ConversationListItem = Schema.Struct({
  taskId: TaskId,
  conversation: Conversation,
  participants: Schema.Array(AgentId),
  unreadCount: Schema.Int,
}).annotations({ identifier: "ConversationListItem" });

export const AgentConversationList = defineMethod({
  name: "agent/conversation/list",
  summary: "Every conversation the caller is in, across tasks, archived included, most recent activity first.",
  params: Schema.Struct(ListFields),
  result: Page(ConversationListItem),
  callers: ["agent"],
  errors: [],
});

export const AgentConversationRead = defineMethod({
  name: "agent/conversation/read",
  summary: "Mark a conversation read up to seq; read marks never move backwards.",
  params: Schema.Struct({ conversationId: ConversationId, seq: Schema.NonNegativeInt }),
  result: Empty,
  callers: ["agent"],
  errors: ["NotAParticipant"],
});

export const TaskConversationCreate = defineMethod({
  name: "task/conversation/create",
  summary: "Alias of app/conversation/create.",
  params: CreateParams,
  result: ConversationResult,
  callers: AppCaller,
  errors: createErrors,
});

export const TaskConversationList = defineMethod({
  name: "task/conversation/list",
  summary: "The conversations of a task the app owns, most recent activity first.",
  params: Schema.Struct({ taskId: TaskId, ...ListFields }),
  result: Page(
    Schema.Struct({ taskId: TaskId, conversation: Conversation, participants: Schema.Array(AgentId) }).annotations({
      identifier: "TaskConversationListItem",
    }),
  ),
  callers: AppCaller,
  errors: ["Forbidden", "TaskNotFound"],
});

export const TaskConversationArchive = defineMethod({
  name: "task/conversation/archive",
  summary: 'Alias of app/conversation/update with {type: "archive"}.',
  params: Schema.Struct(Ref),
  result: ConversationResult,
  callers: AppCaller,
  errors: updateErrors,
});

export const TaskConversationUnarchive = defineMethod({
  name: "task/conversation/unarchive",
  summary: 'Alias of app/conversation/update with {type: "unarchive"}.',
  params: Schema.Struct(Ref),
  result: ConversationResult,
  callers: AppCaller,
  errors: updateErrors,
});

export const TaskConversationParticipantsAdd = defineMethod({
  name: "task/conversation/participants/add",
  summary: 'Alias of app/conversation/update with {type: "add-participant"}.',
  params: Schema.Struct({ ...Ref, agentId: AgentId }),
  result: ConversationResult,
  callers: AppCaller,
  errors: updateErrors,
});

export const TaskConversationParticipantsRemove = defineMethod({
  name: "task/conversation/participants/remove",
  summary: 'Alias of app/conversation/update with {type: "remove-participant"}.',
  params: Schema.Struct({ ...Ref, agentId: AgentId }),
  result: ConversationResult,
  callers: AppCaller,
  errors: updateErrors,
});
