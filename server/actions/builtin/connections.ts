import { ActionEvents, BuiltinActions } from "../../../protocol/index.ts";
import { newId, nowIso } from "../../../storage/index.ts";
import { forbidden, implementAction, notFound, requireUsers } from "./define.ts";

export const connectionActions = [
  implementAction(BuiltinActions.ConnectionCreate, {
    check: async (ctx, p) => {
      const others = [...new Set(p.userIds)].filter((u) => u !== ctx.actor.userId);
      const wrong =
        p.type === "direct" && others.length !== 1
          ? "a direct connection names exactly one other user"
          : others.length === 0
            ? "name at least one user besides the acting user"
            : undefined;
      if (wrong) ctx.raise("InvalidParams", { issues: [{ path: ["params", "userIds"], message: wrong }] });
      await requireUsers(ctx, others);
      return others;
    },
    run: async ({ storage, actor }, tx, p, others) => {
      const { connection } = await storage.actions.connections.insert({
        id: newId("connection"),
        type: p.type,
        createdBy: actor.userId,
        userIds: [actor.userId, ...others],
        at: nowIso(),
      });
      await tx.event(
        ActionEvents.ConnectionCreated,
        connection.userIds,
        { type: "connection", id: connection.id },
        { connection },
      );
      return { connectionId: connection.id };
    },
  }),
];

export const chatActions = [
  implementAction(BuiltinActions.ChatCreate, {
    check: async (ctx, p) => {
      const rec =
        (await ctx.storage.actions.connections.get(p.connectionId)) ??
        notFound(ctx.raise, "connection", p.connectionId);
      if (!rec.connection.userIds.includes(ctx.actor.userId)) {
        forbidden(ctx.raise, "membership_mismatch", "Only members of the connection may create chats on it.");
      }
      return rec;
    },
    run: async ({ storage, actor }, tx, p, rec) => {
      const { chat } = await storage.actions.chats.insert({
        id: newId("chat"),
        connectionPk: rec.pk,
        title: p.title,
        createdBy: actor.userId,
        at: nowIso(),
      });
      await tx.event(ActionEvents.ChatCreated, chat.memberUserIds, { type: "chat", id: chat.id }, { chat });
      return { chatId: chat.id };
    },
  }),

  implementAction(BuiltinActions.ChatSendMessage, {
    check: async (ctx, p) => {
      const rec = (await ctx.storage.actions.chats.get(p.chatId)) ?? notFound(ctx.raise, "chat", p.chatId);
      if (!rec.chat.memberUserIds.includes(ctx.actor.userId)) {
        forbidden(ctx.raise, "membership_mismatch", "Only members of the chat may send messages in it.");
      }
      return rec;
    },
    run: async ({ storage, actor }, tx, p, rec) => {
      const chats = storage.actions.chats;
      if (p.clientMessageId !== undefined) {
        const prior = await chats.messageByClientId(rec.pk, actor.userId, p.clientMessageId);
        if (prior) return { messageId: prior.id, unchanged: true };
      }
      const message = await chats.insertMessage({
        id: newId("message"),
        chatPk: rec.pk,
        senderUserId: actor.userId,
        text: p.text,
        clientMessageId: p.clientMessageId,
        at: nowIso(),
      });
      await tx.event(
        ActionEvents.ChatMessageSent,
        rec.chat.memberUserIds,
        { type: "chat_message", id: message.id },
        { message },
      );
      return { messageId: message.id, unchanged: false };
    },
  }),
];
