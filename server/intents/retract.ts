import { Notifications, type MessageId } from "../../protocol/index.ts";
import type { ConversationPlace, Storage } from "../../storage/index.ts";
import type { Tx } from "../committer.ts";

/**
 * Tombstone a message (parts emptied, retractedAt set) and tell every
 * participant through the event log. A message already retracted keeps its
 * first tombstone and nobody is told twice.
 */
export const retractMessage = async (
  storage: Storage,
  tx: Tx,
  rec: ConversationPlace,
  messageId: MessageId,
  at: string,
): Promise<void> => {
  if (!(await storage.messages.retract(messageId, at))) return;
  tx.emit(Notifications.MessageRetracted, await storage.conversations.participants(rec.pk), {
    taskId: rec.taskId,
    conversationId: rec.conversation.id,
    messageId,
  });
};
