import type { AppId, ConversationId, Message, MessageId, Part, TaskId } from "../protocol/index.ts";
import type { Sql } from "./sql.ts";

/** The built-in app that moderates every task opened through the A2A edge. */
export const A2A_APP_ID = "app_a2a" as AppId;

export interface A2aCardRow {
  readonly agentId: string;
  /** The exposure card as the agent published it (JSON). */
  readonly cardJson: string;
  readonly updatedAt: string;
}

export interface A2aTaskRow {
  readonly taskId: string;
  readonly conversationId: string;
  readonly clientId: string;
  readonly agentId: string;
  /** Set once the task ended: its terminal A2A state, the seq of the last message that counts, and when. */
  readonly ended: { readonly state: string; readonly seq: number; readonly at: string } | undefined;
  readonly createdAt: string;
}

interface TaskRow {
  task_id: string;
  conversation_id: string;
  client_id: string;
  agent_id: string;
  ended_state: string | null;
  ended_seq: number | null;
  ended_at: string | null;
  created_at: string;
}

/** A conversation message with the id its sender chose, which A2A shows as the caller's messageId. */
export interface A2aMessageRow {
  readonly message: Message;
  readonly clientMessageId: string | undefined;
}

interface MessageRow {
  id: string;
  seq: number;
  sender_id: string;
  parts: string;
  created_at: string;
  retracted_at: string | null;
  client_message_id: string | null;
}

const MESSAGE_COLUMNS = "id, seq, sender_id, parts, created_at, retracted_at, client_message_id";

const toMessageRow = (r: MessageRow, taskId: string, conversationId: string): A2aMessageRow => ({
  message: {
    id: r.id as MessageId,
    taskId: taskId as TaskId,
    conversationId: conversationId as ConversationId,
    seq: r.seq,
    senderId: r.sender_id,
    parts: JSON.parse(r.parts) as Part[],
    createdAt: r.created_at,
    ...(r.retracted_at !== null ? { retractedAt: r.retracted_at } : {}),
  },
  clientMessageId: r.client_message_id ?? undefined,
});

const toTask = (r: TaskRow): A2aTaskRow => ({
  taskId: r.task_id,
  conversationId: r.conversation_id,
  clientId: r.client_id,
  agentId: r.agent_id,
  ended:
    r.ended_state !== null
      ? { state: r.ended_state, seq: r.ended_seq ?? 0, at: r.ended_at ?? r.created_at }
      : undefined,
  createdAt: r.created_at,
});

/**
 * The A2A edge's own state: which agents are exposed (their cards), the
 * external callers' credentials, and which Switchboard task is which A2A
 * task. Everything else (messages, seq, task status) is the core's.
 */
export const makeA2a = (sql: Sql) => {
  const upsertCard = sql.prepare(
    `INSERT INTO a2a_cards (agent_id, card, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (agent_id) DO UPDATE SET card = excluded.card, updated_at = excluded.updated_at`,
  );
  const deleteCard = sql.prepare("DELETE FROM a2a_cards WHERE agent_id = ?");
  const cardOf = sql.prepare<[string], { agent_id: string; card: string; updated_at: string }>(
    "SELECT agent_id, card, updated_at FROM a2a_cards WHERE agent_id = ?",
  );
  const allCards = sql.prepare<[number], { agent_id: string; card: string; updated_at: string }>(
    "SELECT agent_id, card, updated_at FROM a2a_cards ORDER BY agent_id LIMIT ?",
  );
  const insertClient = sql.prepare(
    "INSERT INTO a2a_clients (agent_id, secret_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
  );
  const setSecret = sql.prepare("UPDATE a2a_clients SET secret_hash = ?, updated_at = ? WHERE agent_id = ?");
  const secretOf = sql.prepare<[string], { secret_hash: Buffer }>(
    "SELECT secret_hash FROM a2a_clients WHERE agent_id = ?",
  );
  const insertTask = sql.prepare(
    `INSERT INTO a2a_tasks (task_id, conversation_id, client_id, agent_id, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const TASK_COLUMNS = "task_id, conversation_id, client_id, agent_id, ended_state, ended_seq, ended_at, created_at";
  const taskById = sql.prepare<[string], TaskRow>(`SELECT ${TASK_COLUMNS} FROM a2a_tasks WHERE task_id = ?`);
  const taskByConversation = sql.prepare<[string], TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM a2a_tasks WHERE conversation_id = ?`,
  );
  const end = sql.prepare(
    "UPDATE a2a_tasks SET ended_state = ?, ended_seq = ?, ended_at = ? WHERE task_id = ? AND ended_state IS NULL",
  );
  const listForClient = sql.prepare<[string, string, string, string, string, number], TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM a2a_tasks WHERE client_id = ? AND agent_id = ?
       AND (created_at < ? OR (created_at = ? AND task_id < ?))
     ORDER BY created_at DESC, task_id DESC LIMIT ?`,
  );
  const agentByName = sql.prepare<[string], { id: string }>("SELECT id FROM agents WHERE name = ?");
  const messagesAfter = sql.prepare<[string, number, number], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_pk = (SELECT pk FROM conversations WHERE id = ?) AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const lastMessages = sql.prepare<[string, number, number], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_pk = (SELECT pk FROM conversations WHERE id = ?) AND seq <= ? ORDER BY seq DESC LIMIT ?`,
  );
  const countOf = sql.prepare<[string, string], { n: number }>(
    "SELECT COUNT(*) AS n FROM a2a_tasks WHERE client_id = ? AND agent_id = ?",
  );
  const appById = sql.prepare<[string], { id: string }>("SELECT id FROM apps WHERE id = ?");
  const appByName = sql.prepare<[string], { id: string }>("SELECT id FROM apps WHERE name = ?");
  const insertApp = sql.prepare(
    `INSERT INTO apps (id, name, scopes, capabilities, manifest, created_at) VALUES (?, ?, '[]', '[]', '{}', ?)
     ON CONFLICT DO NOTHING`,
  );
  const toCard = (r: { agent_id: string; card: string; updated_at: string }): A2aCardRow => ({
    agentId: r.agent_id,
    cardJson: r.card,
    updatedAt: r.updated_at,
  });

  return {
    /** Create the built-in A2A app once; its name is `a2a` unless an app of that name came first. */
    async ensureApp(at: string): Promise<void> {
      if (await appById.get(A2A_APP_ID)) return;
      await insertApp.run(A2A_APP_ID, (await appByName.get("a2a")) ? "a2a-builtin" : "a2a", at);
    },
    agentIdByName: async (name: string): Promise<string | undefined> => (await agentByName.get(name))?.id,
    async setCard(agentId: string, cardJson: string, at: string): Promise<void> {
      await upsertCard.run(agentId, cardJson, at, at);
    },
    deleteCard: async (agentId: string): Promise<boolean> => (await deleteCard.run(agentId)) > 0,
    async card(agentId: string): Promise<A2aCardRow | undefined> {
      const r = await cardOf.get(agentId);
      return r && toCard(r);
    },
    /** Exposed agents by id, at most `limit`. */
    async cards(limit: number): Promise<A2aCardRow[]> {
      return (await allCards.all(limit)).map(toCard);
    },
    async insertClient(agentId: string, secretHash: Buffer, at: string): Promise<void> {
      await insertClient.run(agentId, secretHash, at, at);
    },
    setClientSecret: async (agentId: string, secretHash: Buffer, at: string): Promise<boolean> =>
      (await setSecret.run(secretHash, at, agentId)) > 0,
    clientSecret: async (agentId: string): Promise<Buffer | undefined> => (await secretOf.get(agentId))?.secret_hash,
    async insertTask(t: {
      taskId: string;
      conversationId: string;
      clientId: string;
      agentId: string;
      at: string;
    }): Promise<void> {
      await insertTask.run(t.taskId, t.conversationId, t.clientId, t.agentId, t.at);
    },
    async task(taskId: string): Promise<A2aTaskRow | undefined> {
      const r = await taskById.get(taskId);
      return r && toTask(r);
    },
    async taskOfContext(conversationId: string): Promise<A2aTaskRow | undefined> {
      const r = await taskByConversation.get(conversationId);
      return r && toTask(r);
    },
    /** The task's messages after `afterSeq`, ascending, at most `limit`. */
    async messagesAfter(t: A2aTaskRow, afterSeq: number, limit: number): Promise<A2aMessageRow[]> {
      return (await messagesAfter.all(t.conversationId, afterSeq, limit)).map((r) =>
        toMessageRow(r, t.taskId, t.conversationId),
      );
    },
    /** The task's newest `limit` messages up to seq `upTo`, ascending. */
    async lastMessages(t: A2aTaskRow, upTo: number, limit: number): Promise<A2aMessageRow[]> {
      return (await lastMessages.all(t.conversationId, upTo, limit))
        .reverse()
        .map((r) => toMessageRow(r, t.taskId, t.conversationId));
    },
    /** Record the task's end; false when it had already ended (the first end stands). */
    end: async (taskId: string, state: string, seq: number, at: string): Promise<boolean> =>
      (await end.run(state, seq, at, taskId)) > 0,
    countTasksOf: async (clientId: string, agentId: string): Promise<number> =>
      (await countOf.get(clientId, agentId))!.n,
    /** The client's tasks with that agent, newest first, strictly before the (createdAt, taskId) key. */
    async tasksOf(
      clientId: string,
      agentId: string,
      before: readonly [string, string],
      limit: number,
    ): Promise<A2aTaskRow[]> {
      return (await listForClient.all(clientId, agentId, before[0], before[0], before[1], limit)).map(toTask);
    },
  };
};
export type A2aStorage = ReturnType<typeof makeA2a>;
