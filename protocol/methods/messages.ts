import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { ConversationId, ListFields, MessageId, Page, TaskId } from "../shapes.ts";
import { CorrelationId, Message, Parts } from "../parts.ts";

export const MessagesSend = defineMethod({
  name: "messages/send",
  summary:
    "Send a message into a conversation. It is stored with the next gapless seq before the answer; clientMessageId makes a repeat return the first message without notifying anyone again.",
  params: Schema.Struct({
    taskId: TaskId,
    conversationId: ConversationId,
    parts: Parts,
    replyToId: Schema.optional(MessageId),
    clientMessageId: Schema.optional(Schema.String.pipe(minLength(1), maxLength(64))),
  }),
  result: Schema.Struct({ message: Message }),
  callers: ["agent"],
  errors: [
    "NotAParticipant",
    "TaskClosed",
    "ConversationArchived",
    "MessageNotFound",
    "Forbidden",
    "AgentNotFound",
    "IntentNotSupported",
    "IntentNotDeclared",
    "CorrelationNotFound",
    "HookBlocked",
  ],
});

const SeqBound = Schema.NonNegativeInt;

export const MessagesList = defineMethod({
  name: "messages/list",
  summary:
    "A page of a conversation's messages, ascending by seq. With afterSeq, pages go forward; otherwise the newest before beforeSeq (or the end), with nextCursor going back to older pages.",
  params: Schema.Struct({
    taskId: TaskId,
    conversationId: ConversationId,
    afterSeq: Schema.optional(SeqBound),
    beforeSeq: Schema.optional(SeqBound),
    correlationId: Schema.optional(CorrelationId),
    ...ListFields,
  }),
  result: Page(Message),
  callers: ["agent"],
  errors: ["NotAParticipant"],
});
