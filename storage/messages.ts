import type { ConversationId, Message, MessageId, Part, TaskId } from "../protocol/index.ts";
import { PostgresSql, SeqBusy, type Sql } from "./sql.ts";

interface MessageRow {
  id: string;
  seq: number;
  sender_id: string;
  parts: string;
  reply_to_id: string | null;
  correlation_id: string | null;
  created_at: string;
  retracted_at: string | null;
}

/** Where a message lives; list queries know it already, so rows do not repeat it. */
export interface MessagePlace {
  readonly taskId: TaskId;
  readonly conversationId: ConversationId;
}

const toMessage = (r: MessageRow, place: MessagePlace): Message => ({
  id: r.id as MessageId,
  taskId: place.taskId,
  conversationId: place.conversationId,
  seq: r.seq,
  senderId: r.sender_id,
  parts: JSON.parse(r.parts) as Part[],
  ...(r.reply_to_id !== null ? { replyToId: r.reply_to_id as MessageId } : {}),
  ...(r.correlation_id !== null ? { correlationId: r.correlation_id } : {}),
  createdAt: r.created_at,
  ...(r.retracted_at !== null ? { retractedAt: r.retracted_at } : {}),
});

export interface StoredMessage {
  readonly message: Message;
  readonly conversationPk: number;
}

/** A message to store; `append` gives it its seq. */
export interface NewMessage {
  readonly id: string;
  readonly conversationPk: number;
  readonly senderId: string;
  /** The parts as JSON, serialized once by the caller. */
  readonly partsJson: string;
  readonly replyToId?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly clientMessageId?: string | undefined;
  readonly createdAt: string;
}

/** A page query: forward after a seq, or backward before one, within optional bounds. */
export interface MessageRange {
  readonly direction: "forward" | "backward";
  /** Exclusive lower bound. */
  readonly after: number;
  /** Exclusive upper bound. */
  readonly before: number;
  readonly correlationId?: string | undefined;
  readonly limit: number;
}

const COLUMNS = "id, seq, sender_id, parts, reply_to_id, correlation_id, created_at, retracted_at";
const PLACED = `SELECT m.${COLUMNS.split(", ").join(", m.")}, m.conversation_pk, c.id AS conversation_id, t.id AS task_id
  FROM messages m JOIN conversations c ON c.pk = m.conversation_pk JOIN tasks t ON t.pk = c.task_pk`;

type PlacedRow = MessageRow & { conversation_pk: number; conversation_id: string; task_id: string };
const toStored = (r: PlacedRow): StoredMessage => ({
  message: toMessage(r, { taskId: r.task_id as TaskId, conversationId: r.conversation_id as ConversationId }),
  conversationPk: r.conversation_pk,
});

/** Advisory-lock keys of conversations' seq counters start here, away from other uses of advisory locks. */
export const SEQ_LOCK_SPACE = 2 ** 40;

/** A message's columns after its seq: sender, parts, reply to, correlation, client message id, created at. */
type Rest = [string, string, string | null, string | null, string | null, string];

/** One append on PostgreSQL: the message's columns (id, conversation, then `Rest`), and whether to wait for the seq lock. */
interface PgAppend {
  readonly columns: readonly [string, number, ...Rest];
  readonly wait: boolean;
}

export const makeMessages = (sql: Sql) => {
  const INSERT = `INSERT INTO messages (id, conversation_pk, seq, sender_id, parts, reply_to_id, correlation_id, client_message_id, created_at)`;
  const COUNT = "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ?, updated_at = ?";
  // The seq is the conversation's counter plus one, gapless because it commits or rolls back with the
  // message. PostgreSQL: cursors follow transaction ids (storage/postgres/events.ts), and a transaction
  // gets its id at its first write. Taking an advisory lock on the conversation before that write (in the
  // qualifier, before the row is touched) makes seq order and cursor order agree when the seq is its
  // transaction's first write: the next sender gets its transaction id only after this one has committed.
  // A commit group's shared transaction may take a seq after other writes, so the conversation keeps the
  // id of the transaction that took its last seq, and a seq never goes to a smaller one. In a group that
  // must not wait, switchboard_seq_take (migration 009) answers false when the lock is held or the last
  // seq went to a later transaction: the statement then writes nothing and the job is set aside
  // (`SeqBusy`), to run again in a group that takes its locks first. SQLite runs the counter and the
  // insert in-process.
  //
  // On PostgreSQL the appends of a commit group's jobs go out as one statement (PostgresSql.prepareBatch):
  // each conversation's counter moves once, by its number of messages, under one take of its lock, and
  // its messages get the seqs in the order the jobs asked. A conversation whose lock is refused gets no
  // rows: each of its jobs is set aside. The statement is `ordered`: a group appends its jobs' events in
  // the order their seqs were taken, which is call order.
  const append =
    sql instanceof PostgresSql
      ? {
          pg: sql.prepareBatch<PgAppend, string, { key: string; seq: number }>(
            `WITH m AS (
               SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]),
                 CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]))
               WITH ORDINALITY AS t(id, conversation_pk, sender_id, parts, reply_to_id, correlation_id,
                 client_message_id, created_at, idx)
             ), per AS (
               SELECT conversation_pk AS pk, count(*) AS n, max(created_at COLLATE "C") AS at FROM m GROUP BY conversation_pk
             ), s AS (
               UPDATE conversations c SET last_seq = c.last_seq + per.n, last_message_at = per.at, updated_at = per.at,
                 last_seq_xid = pg_current_xact_id()::text::bigint
               FROM per
               WHERE c.pk = per.pk AND switchboard_seq_take(per.pk + CAST(? AS bigint), c.last_seq_xid, ?)
               RETURNING c.pk, c.last_seq - per.n AS base
             )
             ${INSERT}
             SELECT m.id, m.conversation_pk, s.base + row_number() OVER (PARTITION BY m.conversation_pk ORDER BY m.idx),
               m.sender_id, m.parts, m.reply_to_id, m.correlation_id, m.client_message_id, m.created_at
             FROM m JOIN s ON s.pk = m.conversation_pk
             RETURNING id AS key, seq`,
            {
              // A batch is the calls of one transaction, so they agree on whether to wait (Sql.mustNotWait).
              params: (calls) => [
                ...[0, 1, 2, 3, 4, 5, 6, 7].map((c) => calls.map((a) => a.columns[c])),
                SEQ_LOCK_SPACE,
                calls[0]!.wait,
              ],
              key: (a) => a.columns[0],
              ordered: true,
            },
          ),
        }
      : {
          nextSeq: sql.prepare<[string, string, number], { last_seq: number }>(
            `${COUNT} WHERE pk = ? RETURNING last_seq`,
          ),
          insert: sql.prepare<[string, number, number, ...Rest]>(`${INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
        };
  const byId = sql.prepare<[string], PlacedRow>(`${PLACED} WHERE m.id = ?`);
  const byClientId = sql.prepare<[string, string], PlacedRow>(
    `${PLACED} WHERE m.sender_id = ? AND m.client_message_id = ?`,
  );
  const inConversation = sql.prepare<[string, number], { seq: number }>(
    "SELECT seq FROM messages WHERE id = ? AND conversation_pk = ?",
  );
  const forward = sql.prepare<[number, number, number, number], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_pk = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
  );
  const backward = sql.prepare<[number, number, number, number], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_pk = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  );
  const forwardCorrelated = sql.prepare<[number, string, number, number, number], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_pk = ? AND correlation_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
  );
  const backwardCorrelated = sql.prepare<[number, string, number, number, number], MessageRow>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_pk = ? AND correlation_id = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  );
  const latestRequest = sql.prepare<[number, string, string], PlacedRow>(
    `${PLACED} WHERE m.conversation_pk = ? AND m.correlation_id = ? AND m.retracted_at IS NULL
       AND EXISTS (${
         sql.engine === "sqlite"
           ? "SELECT 1 FROM json_each(m.parts) p WHERE p.value ->> '$.type' = 'intent' AND p.value ->> '$.intent' = ?"
           : "SELECT 1 FROM jsonb_array_elements(CAST(m.parts AS jsonb)) p(value) WHERE p.value ->> 'type' = 'intent' AND p.value ->> 'intent' = ?"
       })
     ORDER BY m.seq DESC LIMIT 1`,
  );
  const retract = sql.prepare(
    "UPDATE messages SET parts = '[]', retracted_at = ? WHERE id = ? AND retracted_at IS NULL",
  );

  return {
    /** Store a message under its conversation's next seq (the counter moves with it) and return the seq. */
    async append(m: NewMessage): Promise<number> {
      const at = m.createdAt;
      const pk = m.conversationPk;
      const rest: Rest = [
        m.senderId,
        m.partsJson,
        m.replyToId ?? null,
        m.correlationId ?? null,
        m.clientMessageId ?? null,
        at,
      ];
      if ("pg" in append) {
        const key = pk + SEQ_LOCK_SPACE;
        const wait = !sql.mustNotWait();
        const row = await append.pg({ columns: [m.id, pk, ...rest], wait });
        if (row) return row.seq;
        if (wait) throw new Error(`conversation ${pk} has no row`);
        throw new SeqBusy(key);
      }
      const seq = (await append.nextSeq.get(at, at, pk))!.last_seq;
      await append.insert.run(m.id, pk, seq, ...rest);
      return seq;
    },
    async get(id: string): Promise<StoredMessage | undefined> {
      const r = await byId.get(id);
      return r && toStored(r);
    },
    async byClientId(senderId: string, clientMessageId: string): Promise<StoredMessage | undefined> {
      const r = await byClientId.get(senderId, clientMessageId);
      return r && toStored(r);
    },
    /** Whether a message with that id is in that conversation. */
    isIn: async (id: string, conversationPk: number): Promise<boolean> =>
      (await inConversation.get(id, conversationPk)) !== undefined,
    /** Up to `limit` messages of the range, always ascending by seq. */
    async list(conversationPk: number, place: MessagePlace, range: MessageRange): Promise<Message[]> {
      const { after, before, limit, correlationId } = range;
      let rows: MessageRow[];
      if (range.direction === "forward") {
        rows =
          correlationId === undefined
            ? await forward.all(conversationPk, after, before, limit)
            : await forwardCorrelated.all(conversationPk, correlationId, after, before, limit);
      } else {
        rows =
          correlationId === undefined
            ? await backward.all(conversationPk, after, before, limit)
            : await backwardCorrelated.all(conversationPk, correlationId, after, before, limit);
        rows.reverse();
      }
      return rows.map((r) => toMessage(r, place));
    },
    /** The newest message of the conversation, not retracted, holding that intent under that correlation id. */
    async latestRequest(
      conversationPk: number,
      correlationId: string,
      intent: string,
    ): Promise<StoredMessage | undefined> {
      const r = await latestRequest.get(conversationPk, correlationId, intent);
      return r && toStored(r);
    },
    /** Empty a message's parts and stamp it retracted; false when it already was. */
    retract: async (id: string, at: string): Promise<boolean> => (await retract.run(at, id)) > 0,
  };
};
export type Messages = ReturnType<typeof makeMessages>;
