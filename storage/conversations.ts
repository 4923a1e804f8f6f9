import type { AgentId, AppId, Conversation, ConversationId, TaskId, TaskStatus } from "../protocol/index.ts";
import type { TxCaches } from "./cache.ts";
import { greatest, least, PostgresSql, type Sql } from "./sql.ts";

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

/** A keyset page: the owner's rows after the (updatedAt, pk) of the last item served: owner, at ×3, pk, limit. */
type ListParams<O> = [O, string | null, string | null, string | null, number, number];
const AFTER_KEY = "(CAST(? AS TEXT) IS NULL OR c.updated_at < ? OR (c.updated_at = ? AND c.pk < ?))";

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
  /** Its participants, in the order they joined: the recipients of a message. */
  readonly participants: ReadonlyArray<AgentId>;
  /** The task's app asks message/authorize before each message of the task is stored (its manifest's hook). */
  readonly messageHook: boolean;
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

export const makeConversations = (
  sql: Sql,
  caches: TxCaches,
  taskStatus: (taskPk: number) => Promise<TaskStatus>,
  messageHookOf: (appId: AppId) => Promise<boolean>,
) => {
  // Read on every message (its membership, archive state and recipients) and changed rarely.
  const states = caches.map<number, State>(10_000);
  const places = caches.map<string, Place>(10_000);
  const insert = sql.prepare<[string, number, string | null, string, string, string], { pk: number }>(
    "INSERT INTO conversations (id, task_pk, name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING pk",
  );
  const byId = sql.prepare<[string], ConversationRow>(`${SELECT} WHERE c.id = ?`);
  const byPk = sql.prepare<[number], ConversationRow>(`${SELECT} WHERE c.pk = ?`);
  const join = sql.prepare(
    "INSERT INTO conversation_participants (conversation_pk, agent_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const part = sql.prepare("DELETE FROM conversation_participants WHERE conversation_pk = ? AND agent_id = ?");
  const isIn = sql.prepare<[number, string], { one: number }>(
    "SELECT 1 AS one FROM conversation_participants WHERE conversation_pk = ? AND agent_id = ?",
  );
  const participants = sql.prepare<[number], { agent_id: string }>(
    "SELECT agent_id FROM conversation_participants WHERE conversation_pk = ? ORDER BY joined_at, agent_id",
  );
  const count = sql.prepare<[number], { n: number }>(
    "SELECT count(*) AS n FROM conversation_participants WHERE conversation_pk = ?",
  );
  const ofAgentInTask = sql.prepare<[number, string], { pk: number }>(
    `SELECT c.pk FROM conversations c JOIN conversation_participants p ON p.conversation_pk = c.pk
     WHERE c.task_pk = ? AND p.agent_id = ? ORDER BY c.pk`,
  );
  const setArchived = sql.prepare("UPDATE conversations SET archived_at = ?, updated_at = ? WHERE pk = ?");
  const touch = sql.prepare("UPDATE conversations SET updated_at = ? WHERE pk = ?");
  const markRead = sql.prepare<[number, number, number, string]>(
    `UPDATE conversation_participants
     SET last_read_seq = ${greatest(sql)}(last_read_seq, ${least(sql)}(?, (SELECT last_seq FROM conversations WHERE pk = ?)))
     WHERE conversation_pk = ? AND agent_id = ?`,
  );
  const unread = sql.prepare<[number, number, string], { n: number }>(
    "SELECT count(*) AS n FROM messages WHERE conversation_pk = ? AND seq > ? AND sender_id <> ?",
  );
  const forAgent = sql.prepare<ListParams<string>, ConversationRow & { last_read_seq: number }>(
    `SELECT c.*, t.id AS task_id, t.status AS task_status, t.app_id AS app_id, p.last_read_seq
     FROM conversation_participants p
     JOIN conversations c ON c.pk = p.conversation_pk JOIN tasks t ON t.pk = c.task_pk
     WHERE p.agent_id = ? AND ${AFTER_KEY}
     ORDER BY c.updated_at DESC, c.pk DESC LIMIT ?`,
  );
  const forTask = sql.prepare<ListParams<number>, ConversationRow>(
    `${SELECT} WHERE c.task_pk = ? AND ${AFTER_KEY}
     ORDER BY c.updated_at DESC, c.pk DESC LIMIT ?`,
  );

  const placeOf = sql.prepare<[string], { pk: number; task_pk: number; task_id: string; app_id: string }>(
    "SELECT c.pk, c.task_pk, t.id AS task_id, t.app_id FROM conversations c JOIN tasks t ON t.pk = c.task_pk WHERE c.id = ?",
  );
  const archivedOf = sql.prepare<[number], { archived_at: string | null }>(
    "SELECT archived_at FROM conversations WHERE pk = ?",
  );
  // On PostgreSQL nothing is cached (storage/cache.ts), so a send's checks are read in one statement
  // rather than five (place, participants, archive state, task status, the app's manifest), and the
  // send needs no other read for its recipients. PostgreSQL's SQL, so prepared on that engine only.
  // The jobs of a commit group read theirs together, in one statement (PostgresSql.prepareLookup).
  const sendContextRow =
    sql instanceof PostgresSql
      ? sql.prepareLookup<
          string,
          {
            key: string;
            pk: number;
            task_id: string;
            app_id: string;
            task_status: TaskStatus;
            archived: number;
            participants: AgentId[];
            message_hook: number;
          }
        >(
          `SELECT k.id AS key, c.pk, t.id AS task_id, t.app_id, t.status AS task_status,
             CASE WHEN c.archived_at IS NULL THEN 0 ELSE 1 END AS archived,
             ARRAY(SELECT p.agent_id FROM conversation_participants p WHERE p.conversation_pk = c.pk
               ORDER BY p.joined_at, p.agent_id) AS participants,
             CASE WHEN CAST(a.manifest AS jsonb) #> '{hooks,messageAuthorize}' = 'true' THEN 1 ELSE 0 END AS message_hook
           FROM unnest(CAST(? AS text[])) AS k(id)
           JOIN conversations c ON c.id = k.id JOIN tasks t ON t.pk = c.task_pk LEFT JOIN apps a ON a.id = t.app_id`,
        )
      : undefined;

  const stateOf = async (pk: number): Promise<State> => {
    const cached = states.get(pk);
    if (cached) return cached;
    const ids = (await participants.all(pk)).map((r) => r.agent_id as AgentId);
    const archived = (await archivedOf.get(pk))!.archived_at !== null;
    return states.set(pk, { ids, set: new Set(ids), archived });
  };
  const placeById = async (id: string): Promise<Place | undefined> => {
    const cached = places.get(id);
    if (cached) return cached;
    const r = await placeOf.get(id);
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
  const participantIds = async (pk: number): Promise<AgentId[]> => (await stateOf(pk)).ids;

  return {
    async insert(c: {
      id: string;
      taskPk: number;
      name?: string | undefined;
      createdBy: string;
      createdAt: string;
    }): Promise<number> {
      return (await insert.get(c.id, c.taskPk, c.name ?? null, c.createdBy, c.createdAt, c.createdAt))!.pk;
    },
    async get(id: string): Promise<ConversationRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    async byPk(pk: number): Promise<ConversationRecord> {
      return toRecord((await byPk.get(pk))!);
    },
    /** Add agents; returns those that were not in it yet. */
    async join(pk: number, agentIds: ReadonlyArray<string>, at: string): Promise<string[]> {
      states.delete(pk);
      const added: string[] = [];
      for (const id of agentIds) if ((await join.run(pk, id, at)) > 0) added.push(id);
      return added;
    },
    async part(pk: number, agentId: string): Promise<boolean> {
      states.delete(pk);
      return (await part.run(pk, agentId)) > 0;
    },
    isParticipant: async (pk: number, agentId: string): Promise<boolean> => {
      const cached = states.get(pk);
      return cached ? cached.set.has(agentId) : (await isIn.get(pk, agentId)) !== undefined;
    },
    /** For a send: the conversation, its task's status, its archive state, its participants, the agent's membership and the app's hook. */
    async sendContext(conversationId: string, agentId: string): Promise<SendContext | undefined> {
      if (sendContextRow) {
        const r = await sendContextRow(conversationId);
        return (
          r && {
            pk: r.pk,
            taskId: r.task_id as TaskId,
            conversation: { id: conversationId as ConversationId },
            appId: r.app_id as AppId,
            taskStatus: r.task_status,
            archived: r.archived === 1,
            member: r.participants.includes(agentId as AgentId),
            participants: r.participants,
            messageHook: r.message_hook === 1,
          }
        );
      }
      const place = await placeById(conversationId);
      if (!place) return undefined;
      const state = await stateOf(place.pk);
      return {
        pk: place.pk,
        taskId: place.taskId,
        conversation: place.conversation,
        appId: place.appId,
        taskStatus: await taskStatus(place.taskPk),
        archived: state.archived,
        member: state.set.has(agentId),
        participants: state.ids,
        messageHook: await messageHookOf(place.appId),
      };
    },
    participants: participantIds,
    count: async (pk: number): Promise<number> => (await count.get(pk))!.n,
    /** The conversations of a task that an agent is in. */
    ofAgentInTask: async (taskPk: number, agentId: string): Promise<number[]> =>
      (await ofAgentInTask.all(taskPk, agentId)).map((r) => r.pk),
    async setArchived(pk: number, archivedAt: string | null, at: string): Promise<void> {
      states.delete(pk);
      await setArchived.run(archivedAt, at, pk);
    },
    async touch(pk: number, at: string): Promise<void> {
      await touch.run(at, pk);
    },
    async markRead(pk: number, agentId: string, seq: number): Promise<void> {
      await markRead.run(seq, pk, pk, agentId);
    },
    /** Most recent activity first, after the (updatedAt, pk) of the last item served. */
    async listForAgent(
      agentId: string,
      after: readonly [string, number] | undefined,
      limit: number,
    ): Promise<ConversationListEntry[]> {
      const at = after?.[0] ?? null;
      const rows = await forAgent.all(agentId, at, at, at, after?.[1] ?? 0, limit);
      const out: ConversationListEntry[] = [];
      for (const r of rows) {
        out.push({
          record: toRecord(r),
          participants: await participantIds(r.pk),
          unreadCount: (await unread.get(r.pk, r.last_read_seq, agentId))!.n,
        });
      }
      return out;
    },
    async listForTask(
      taskPk: number,
      after: readonly [string, number] | undefined,
      limit: number,
    ): Promise<ConversationListEntry[]> {
      const at = after?.[0] ?? null;
      const rows = await forTask.all(taskPk, at, at, at, after?.[1] ?? 0, limit);
      const out: ConversationListEntry[] = [];
      for (const r of rows) out.push({ record: toRecord(r), participants: await participantIds(r.pk), unreadCount: 0 });
      return out;
    },
  };
};
export type Conversations = ReturnType<typeof makeConversations>;
