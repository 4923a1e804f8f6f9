import {
  Callbacks,
  MAX_PARTS_JSON_BYTES,
  Methods,
  Notifications,
  type Message,
  type MessageId,
  type Raise,
} from "../../protocol/index.ts";
import {
  encodeCursor,
  newId,
  nowIso,
  type ConversationRecord,
  type SendContext,
  type Storage,
} from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import { memberConversation, requireActive } from "./access.ts";
import { readIntent } from "../intents/read.ts";
import { retractMessage } from "../intents/retract.ts";
import { checkIntent } from "../intents/rules.ts";
import { DEFAULT_LIMIT, readCursor } from "./paging.ts";

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * A page of a conversation's messages as messages/list answers it (5.4, 10.8): forward after `afterSeq`,
 * else backward from `beforeSeq`, or on from a `cursor` that says its direction; items ascending by seq.
 */
export const messagePage = async (
  storage: Storage,
  rec: ConversationRecord,
  p: {
    readonly afterSeq?: number | undefined;
    readonly beforeSeq?: number | undefined;
    readonly correlationId?: string | undefined;
    readonly limit?: number | undefined;
    readonly cursor?: string | undefined;
  },
  raise: Raise<"InvalidParams">,
): Promise<{ items: Message[]; nextCursor?: string }> => {
  const limit = p.limit ?? DEFAULT_LIMIT;
  let direction: "forward" | "backward";
  let after: number;
  let before: number;
  if (p.cursor !== undefined) {
    const [dir, a, b] = readCursor(raise, p.cursor, ["string", "number", "number"]);
    direction = dir === "f" ? "forward" : "backward";
    after = a;
    before = b;
  } else {
    direction = p.afterSeq !== undefined ? "forward" : "backward";
    after = p.afterSeq ?? 0;
    before = p.beforeSeq ?? NO_UPPER_BOUND;
  }
  const place = { taskId: rec.taskId, conversationId: rec.conversation.id };
  const rows = await storage.messages.list(rec.pk, place, {
    direction,
    after,
    before,
    correlationId: p.correlationId,
    limit: limit + 1,
  });
  if (rows.length <= limit) return { items: rows };
  if (direction === "forward") {
    const items = rows.slice(0, limit);
    return { items, nextCursor: encodeCursor(["f", items[items.length - 1]!.seq, before]) };
  }
  const items = rows.slice(rows.length - limit);
  return { items, nextCursor: encodeCursor(["b", after, items[0]!.seq]) };
};

export const messageHandlers = (hub: HubContext) => {
  const { storage } = hub;

  return [
    implement(Methods.MessagesSend, async (p, { principal, raise }) => {
      const me = principal.id;
      if (p.clientMessageId !== undefined) {
        const prior = await storage.messages.byClientId(me, p.clientMessageId);
        if (prior) return { message: prior.message };
      }
      const id = newId("message") as MessageId;
      const createdAt = nowIso();
      const partsJson = JSON.stringify(p.parts);

      /** The checks of 5.4, in its order, up to the app's hook; they answer the message's correlation. */
      const admit = async (ctx: SendContext | undefined) => {
        if (!ctx || !ctx.member || ctx.taskId !== p.taskId) return raise("NotAParticipant");
        requireActive(ctx.taskStatus, raise);
        if (ctx.archived) raise("ConversationArchived");
        if (Buffer.byteLength(partsJson) > MAX_PARTS_JSON_BYTES) {
          raise("InvalidParams", {
            issues: [{ path: ["parts"], message: `the parts total more than ${MAX_PARTS_JSON_BYTES} bytes of JSON` }],
          });
        }
        const sent = readIntent(p.parts, raise);
        if (p.replyToId !== undefined && !(await storage.messages.isIn(p.replyToId, ctx.pk))) {
          raise("MessageNotFound", {}, "replyToId names no message of this conversation.");
        }
        return sent && (await checkIntent(storage, { conversation: ctx, senderId: me, messageId: id }, sent, raise));
      };

      // Only an app with a message hook makes the send wait. The write reads the conversation first; when
      // its app has a hook not asked yet, the write stops before it has written anything, the checks run
      // and the app is asked (5.4), and the write runs again, checking again, since the state may change
      // while the app answers. So a send without a hook reads the conversation once.
      const write = (asked: boolean, recipients?: ReadonlyArray<string>) =>
        hub.commit(async (tx) => {
          if (p.clientMessageId !== undefined) {
            const prior = await storage.messages.byClientId(me, p.clientMessageId);
            if (prior) return { message: prior.message };
          }
          const ctx = await storage.conversations.sendContext(p.conversationId, me);
          if (!asked && ctx?.member && ctx.messageHook) return undefined;
          const intent = await admit(ctx);
          const current = ctx!;
          const chosen = recipients === undefined ? undefined : new Set(recipients);
          const to = current.participants.filter((a) => a !== me && (chosen === undefined || chosen.has(a)));
          const seq = await storage.messages.append({
            id,
            conversationPk: current.pk,
            senderId: me,
            partsJson,
            replyToId: p.replyToId,
            correlationId: intent?.correlationId,
            clientMessageId: p.clientMessageId,
            createdAt,
          });
          const message: Message = {
            id,
            taskId: current.taskId,
            conversationId: current.conversation.id,
            seq,
            senderId: me,
            parts: p.parts,
            ...(p.replyToId !== undefined ? { replyToId: p.replyToId } : {}),
            ...(intent?.correlationId !== undefined ? { correlationId: intent.correlationId } : {}),
            createdAt,
          };
          tx.emit(Notifications.MessageReceived, to, {
            taskId: message.taskId,
            conversationId: message.conversationId,
            message,
          });
          if (intent?.retractTarget !== undefined) {
            await retractMessage(storage, tx, current, intent.retractTarget, createdAt);
          }
          return { message };
        });
      const written = await write(false);
      if (written) return written;
      let recipients: ReadonlyArray<string> | undefined;
      const before = await storage.conversations.sendContext(p.conversationId, me);
      if (before?.member && before.messageHook) {
        const correlationId = (await admit(before))?.correlationId;
        const outcome = await hub.callbacks.call(before.appId, Callbacks.MessageAuthorizeCallback, {
          taskId: before.taskId,
          conversationId: before.conversation.id,
          message: {
            id,
            taskId: before.taskId,
            conversationId: before.conversation.id,
            senderId: me,
            parts: p.parts,
            ...(p.replyToId !== undefined ? { replyToId: p.replyToId } : {}),
            ...(correlationId !== undefined ? { correlationId } : {}),
            createdAt,
          },
        });
        if (!outcome.ok) {
          return raise("HookBlocked", { reason: outcome.failure === "invalid" ? "invalid_decision" : outcome.failure });
        }
        if (outcome.result.decision === "block") {
          return raise(
            "HookBlocked",
            { reason: outcome.result.reason ?? "blocked" },
            `The task's app blocked this message${outcome.result.reason ? `: ${outcome.result.reason}` : "."}`,
          );
        }
        recipients = outcome.result.recipients;
      }
      return (await write(true, recipients))!;
    }),

    implement(Methods.MessagesList, async (p, { principal, raise }) => {
      const rec = await memberConversation(storage, p.taskId, p.conversationId, principal.id, raise);
      return messagePage(storage, rec, p, raise);
    }),
  ];
};
