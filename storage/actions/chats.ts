import type { Chat, ChatId, ChatMessage, ChatMessageId, ConnectionId, UserId } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

interface ChatRow {
  pk: number;
  id: string;
  connection_id: string;
  connection_pk: number;
  title: string | null;
  created_by: string;
  created_at: string;
}

interface MessageRow {
  id: string;
  chat_id: string;
  sender_user_id: string;
  text: string;
  client_message_id: string | null;
  created_at: string;
}

export interface ChatRecord {
  readonly pk: number;
  readonly chat: Chat;
}

const toMessage = (r: MessageRow): ChatMessage => ({
  id: r.id as ChatMessageId,
  chatId: r.chat_id as ChatId,
  senderUserId: r.sender_user_id as UserId,
  text: r.text,
  ...(r.client_message_id !== null ? { clientMessageId: r.client_message_id } : {}),
  createdAt: r.created_at,
});

const CHAT = "SELECT c.*, n.id AS connection_id FROM chats c JOIN connections n ON n.pk = c.connection_pk";
const MESSAGE = "SELECT m.*, c.id AS chat_id FROM chat_messages m JOIN chats c ON c.pk = m.chat_pk";

/** Chats on connections, and their messages (section 7.4). */
export const makeChats = (sql: Sql) => {
  const insert = sql.prepare<[string, number, string | null, string, string]>(
    "INSERT INTO chats (id, connection_pk, title, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  const byId = sql.prepare<[string], ChatRow>(`${CHAT} WHERE c.id = ?`);
  const members = sql.prepare<[number], { user_id: string }>(
    "SELECT user_id FROM connection_members WHERE connection_pk = ? ORDER BY position",
  );
  const insertMessage = sql.prepare<[string, number, string, string, string | null, string]>(
    `INSERT INTO chat_messages (id, chat_pk, sender_user_id, text, client_message_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const messageById = sql.prepare<[string], MessageRow>(`${MESSAGE} WHERE m.id = ?`);
  const byClientId = sql.prepare<[number, string, string], MessageRow>(
    `${MESSAGE} WHERE m.chat_pk = ? AND m.sender_user_id = ? AND m.client_message_id = ?`,
  );
  const count = sql.prepare<[number], { n: number }>("SELECT count(*) AS n FROM chat_messages WHERE chat_pk = ?");

  const toRecord = async (r: ChatRow): Promise<ChatRecord> => ({
    pk: r.pk,
    chat: {
      id: r.id as ChatId,
      connectionId: r.connection_id as ConnectionId,
      ...(r.title !== null ? { title: r.title } : {}),
      memberUserIds: (await members.all(r.connection_pk)).map((m) => m.user_id as UserId),
      createdBy: r.created_by as UserId,
      createdAt: r.created_at,
    },
  });

  return {
    async insert(c: {
      id: string;
      connectionPk: number;
      title: string | undefined;
      createdBy: string;
      at: string;
    }): Promise<ChatRecord> {
      await insert.run(c.id, c.connectionPk, c.title ?? null, c.createdBy, c.at);
      return toRecord((await byId.get(c.id))!);
    },
    async get(id: string): Promise<ChatRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    async insertMessage(m: {
      id: string;
      chatPk: number;
      senderUserId: string;
      text: string;
      clientMessageId: string | undefined;
      at: string;
    }): Promise<ChatMessage> {
      await insertMessage.run(m.id, m.chatPk, m.senderUserId, m.text, m.clientMessageId ?? null, m.at);
      return toMessage((await messageById.get(m.id))!);
    },
    /** The sender's earlier message in this chat with that clientMessageId. */
    async messageByClientId(
      chatPk: number,
      senderUserId: string,
      clientMessageId: string,
    ): Promise<ChatMessage | undefined> {
      const r = await byClientId.get(chatPk, senderUserId, clientMessageId);
      return r && toMessage(r);
    },
    messageCount: async (chatPk: number): Promise<number> => (await count.get(chatPk))!.n,
  };
};
export type Chats = ReturnType<typeof makeChats>;
