import { Schema } from "effect";
import { maxLength } from "./length.ts";
import { defineCallback } from "./define.ts";
import { AgentId, ConversationId, MessageId, Task, TaskId, Timestamp } from "./shapes.ts";
import { Part } from "./parts.ts";
import { InitialConversation } from "./methods/tasks.ts";

/** Section 5.6: the hub calls a connected socket of the owning app. */
export const TaskCreateCallback = defineCallback({
  name: "task/create",
  summary:
    "Asks the owning app to accept or reject a requested task. No answer in time, or a malformed one, rejects it.",
  params: Schema.Struct({
    task: Task,
    invitedAgentIds: Schema.Array(AgentId),
    initialConversation: Schema.optional(InitialConversation),
  }),
  result: Schema.Union(
    Schema.Struct({ verdict: Schema.Literal("accept") }),
    Schema.Struct({
      verdict: Schema.Literal("reject"),
      reason: Schema.optional(Schema.String.pipe(maxLength(500))),
    }),
  ),
  errors: [],
});

/** A message as it will be stored, before its seq is assigned. */
export const MessageDraft = Schema.Struct({
  id: MessageId,
  taskId: TaskId,
  conversationId: ConversationId,
  senderId: AgentId,
  parts: Schema.Array(Part),
  replyToId: Schema.optional(MessageId),
  correlationId: Schema.optional(Schema.String),
  createdAt: Timestamp,
}).annotations({ identifier: "MessageDraft" });

export const MessageAuthorizeCallback = defineCallback({
  name: "message/authorize",
  summary:
    "Asks an app created with hooks.messageAuthorize whether to forward a message, and to whom. No answer in time, a disconnect, or a malformed answer blocks it.",
  params: Schema.Struct({ taskId: TaskId, conversationId: ConversationId, message: MessageDraft }),
  result: Schema.Union(
    Schema.Struct({ decision: Schema.Literal("forward"), recipients: Schema.optional(Schema.Array(AgentId)) }),
    Schema.Struct({
      decision: Schema.Literal("block"),
      reason: Schema.optional(Schema.String.pipe(maxLength(500))),
    }),
  ),
  errors: [],
});
