import type { AgentId, AppId, Conversation, ConversationId, TaskId, TaskStatus } from "../protocol/index.ts";
import type { TxCaches } from "./cache.ts";
import type { Db } from "./db.ts";

interface ConversationRow {
  pk: number;
  id: string;
  task_pk: number;
  task_id: string;
  task_status: TaskStatus;
  app_id: string;
  name: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  last_message_at: string | null;
  last_seq: number;
}

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id as ConversationId,
  taskId: r.task_id as TaskId,
  ...(r.name !== null ? { name: r.name } : {}),
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.archived_at !== null ? { archivedAt: r.archived_at } : {}),
  ...(r.last_message_at !== null ? { lastMessageAt: r.last_message_at } : {}),
});

/** A conversation with what the checks of 5.3 and 5.4 need about it and its task. */
export interface ConversationRecord {
  readonly pk: number;
  readonly taskPk: number;
  readonly taskId: TaskId;
  readonly taskStatus: TaskStatus;
  readonly appId: AppId;
  readonly lastSeq: number;
  readonly conversation: Conversation;
}

const toRecord = (r: ConversationRow): ConversationRecord => ({
  pk: r.pk,
  taskPk: r.task_pk,
  taskId: r.task_id as TaskId,
  taskStatus: r.task_status,
  appId: r.app_id as AppId,
  lastSeq: r.last_seq,
  conversation: toConversation(r),
});

export interface ConversationListEntry {
  readonly record: ConversationRecord;
  readonly participants: AgentId[];
  readonly unreadCount: number;
}

/** A keyset page: the owner's rows after the (updatedAt, pk) of the last item served. */
interface ListParams<O> {
  readonly owner: O;
  readonly at: string | null;
  readonly pk: number;
  readonly limit: number;
}

const SELECT = `SELECT c.*, t.id AS task_id, t.status AS task_status, t.app_id AS app_id
  FROM conversations c JOIN tasks t ON t.pk = c.task_pk`;

/** A conversation as the message rules need it: its key and where it lives. */
export interface ConversationPlace {
  readonly pk: number;
  readonly taskId: TaskId;
  readonly conversation: { readonly id: ConversationId };
}

/** What `messages/send` checks about a conversation, read in one indexed statement. */
export interface SendContext extends ConversationPlace {
  readonly taskStatus: TaskStatus;
  readonly appId: AppId;
  readonly archived: boolean;
  readonly member: boolean;
}

/** What can change about a conversation, cached by its pk. */
interface State {
  readonly ids: AgentId[];
  readonly set: ReadonlySet<string>;
  readonly archived: boolean;
}

/** What never changes about a conversation once created. */
interface Place extends ConversationPlace {
  readonly taskPk: number;
  readonly appId: AppId;
}

export const makeConversations = (db: Db, caches: TxCaches, taskStatus: (taskPk: number) => TaskStatus) => {
  // Read on every message (its membership, archive state and recipients) and changed rarely.
  const states = caches.map<number, State>(10_000);
  const places = caches.map<string, Place>(10_000);
  const insert = db.prepare(
    "INSERT INTO conversations (id, task_pk, name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const byId = db.prepare<[string], ConversationRow>(`${SELECT} WHERE c.id = ?`);
  const byPk = db.prepare<[number], ConversationRow>(`${SELECT} WHERE c.pk = ?`);
  const join = db.prepare(
    "INSERT OR IGNORE INTO conversation_participants (conversation_pk, agent_id, joined_at) VALUES (?, ?, ?)",
  );
  const part = db.prepare("DELETE FROM conversation_participants WHERE conversation_pk = ? AND agent_id = ?");
  const isIn = db.prepare<[number, string], { one: number }>(
    "SELECT 1 AS one FROM conversation_participants WHERE conversation_pk = ? AND agent_id = ?",
  );
  const participants = db.prepare<[number], { agent_id: string }>(
    "SELECT agent_id FROM conversation_participants WHERE conversation_pk = ? ORDER BY joined_at, agent_id",
  );
  const count = db.prepare<[number], { n: number }>(
    "SELECT count(*) AS n FROM conversation_participants WHERE conversation_pk = ?",
  );
  const ofAgentInTask = db.prepare<[number, string], { pk: number }>(
    `SELECT c.pk FROM conversations c JOIN conversation_participants p ON p.conversation_pk = c.pk
     WHERE c.task_pk = ? AND p.agent_id = ? ORDER BY c.pk`,
  );
  const setArchived = db.prepare("UPDATE conversations SET archived_at = ?, updated_at = ? WHERE pk = ?");
  const touch = db.prepare("UPDATE conversations SET updated_at = ? WHERE pk = ?");
  const nextSeq = db.prepare<[string, string, number], { last_seq: number }>(
    "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ?, updated_at = ? WHERE pk = ? RETURNING last_seq",
  );
  // Named parameters: better-sqlite3 binds positional arguments to `?` only, never to `?NNN`.
  const markRead = db.prepare<[{ seq: number; pk: number; agent: string }]>(
    `UPDATE conversation_participants SET last_read_seq = max(last_read_seq, min(@seq, (SELECT last_seq FROM conversations WHERE pk = @pk)))
     WHERE conversation_pk = @pk AND agent_id = @agent`,
  );
  const unread = db.prepare<[number, number, string], { n: number }>(
    "SELECT count(*) AS n FROM messages WHERE conversation_pk = ? AND seq > ? AND sender_id <> ?",
  );
  const forAgent = db.prepare<[ListParams<string>], ConversationRow & { last_read_seq: number }>(
    `SELECT c.*, t.id AS task_id, t.status AS task_status, t.app_id AS app_id, p.last_read_seq
     FROM conversation_participants p
     JOIN conversations c ON c.pk = p.conversation_pk JOIN tasks t ON t.pk = c.task_pk
     WHERE p.agent_id = @owner AND (@at IS NULL OR c.updated_at < @at OR (c.updated_at = @at AND c.pk < @pk))
     ORDER BY c.updated_at DESC, c.pk DESC LIMIT @limit`,
  );
  const forTask = db.prepare<[ListParams<number>], ConversationRow>(
    `${SELECT} WHERE c.task_pk = @owner AND (@at IS NULL OR c.updated_at < @at OR (c.updated_at = @at AND c.pk < @pk))
     ORDER BY c.updated_at DESC, c.pk DESC LIMIT @limit`,
  );

  const placeOf = db.prepare<[string], { pk: number; task_pk: number; task_id: string; app_id: string }>(
    "SELECT c.pk, c.task_pk, t.id AS task_id, t.app_id FROM conversations c JOIN tasks t ON t.pk = c.task_pk WHERE c.id = ?",
  );
  const archivedOf = db.prepare<[number], { archived: number }>(
    "SELECT archived_at IS NOT NULL AS archived FROM conversations WHERE pk = ?",
  );

  const stateOf = (pk: number): State => {
    const cached = states.get(pk);
    if (cached) return cached;
    const ids = participants.all(pk).map((r) => r.agent_id as AgentId);
    return states.set(pk, { ids, set: new Set(ids), archived: archivedOf.get(pk)!.archived === 1 });
  };
  const placeById = (id: string): Place | undefined => {
    const cached = places.get(id);
    if (cached) return cached;
    const r = placeOf.get(id);
    return (
      r &&
      places.set(id, {
        pk: r.pk,
        taskPk: r.task_pk,
        taskId: r.task_id as TaskId,
        appId: r.app_id as AppId,
        conversation: { id: id as ConversationId },
      })
    );
  };
  const participantIds = (pk: number): AgentId[] => stateOf(pk).ids;

  return {
    insert(c: { id: string; taskPk: number; name?: string | undefined; createdBy: string; createdAt: string }): number {
      return Number(insert.run(c.id, c.taskPk, c.name ?? null, c.createdBy, c.createdAt, c.createdAt).lastInsertRowid);
    },
    get(id: string): ConversationRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    byPk(pk: number): ConversationRecord {
      return toRecord(byPk.get(pk)!);
    },
    /** Add agents; returns those that were not in it yet. */
    join(pk: number, agentIds: ReadonlyArray<string>, at: string): string[] {
      states.delete(pk);
      return agentIds.filter((id) => join.run(pk, id, at).changes > 0);
    },
    part(pk: number, agentId: string): boolean {
      states.delete(pk);
      return part.run(pk, agentId).changes > 0;
    },
    isParticipant: (pk: number, agentId: string): boolean => {
      const cached = states.get(pk);
      return cached ? cached.set.has(agentId) : isIn.get(pk, agentId) !== undefined;
    },
    /** The conversation, its task's status, its archive state and the agent's membership, for a send. */
    sendContext(conversationId: string, agentId: string): SendContext | undefined {
      const place = placeById(conversationId);
      if (!place) return undefined;
      const state = stateOf(place.pk);
      return {
        pk: place.pk,
        taskId: place.taskId,
        conversation: place.conversation,
        appId: place.appId,
        taskStatus: taskStatus(place.taskPk),
        archived: state.archived,
        member: state.set.has(agentId),
      };
    },
    participants: participantIds,
    count: (pk: number): number => count.get(pk)!.n,
    /** The conversations of a task that an agent is in. */
    ofAgentInTask: (taskPk: number, agentId: string): number[] => ofAgentInTask.all(taskPk, agentId).map((r) => r.pk),
    setArchived(pk: number, archivedAt: string | null, at: string): void {
      states.delete(pk);
      setArchived.run(archivedAt, at, pk);
    },
    touch(pk: number, at: string): void {
      touch.run(at, pk);
    },
    /** Take the next seq for a message: gapless because it commits or rolls back with the message. */
    nextSeq: (pk: number, at: string): number => nextSeq.get(at, at, pk)!.last_seq,
    markRead(pk: number, agentId: string, seq: number): void {
      markRead.run({ seq, pk, agent: agentId });
    },
    /** Most recent activity first, after the (updatedAt, pk) of the last item served. */
    listForAgent(
      agentId: string,
      after: readonly [string, number] | undefined,
      limit: number,
    ): ConversationListEntry[] {
      return forAgent.all({ owner: agentId, at: after?.[0] ?? null, pk: after?.[1] ?? 0, limit }).map((r) => ({
        record: toRecord(r),
        participants: participantIds(r.pk),
        unreadCount: unread.get(r.pk, r.last_read_seq, agentId)!.n,
      }));
    },
    listForTask(taskPk: number, after: readonly [string, number] | undefined, limit: number): ConversationListEntry[] {
      return forTask.all({ owner: taskPk, at: after?.[0] ?? null, pk: after?.[1] ?? 0, limit }).map((r) => ({
        record: toRecord(r),
        participants: participantIds(r.pk),
        unreadCount: 0,
      }));
    },
  };
};
export type Conversations = ReturnType<typeof makeConversations>;
