import type {
  CoordinationRequest,
  CoordinationRequestId,
  RequestStatus,
  UserId,
  UserIntentId,
} from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

interface RequestRow {
  pk: number;
  id: string;
  intent_id: string;
  sender_user_id: string;
  recipient_user_id: string;
  note: string | null;
  status: RequestStatus;
  created_at: string;
  answered_at: string | null;
}

const toRequest = (r: RequestRow): CoordinationRequest => ({
  id: r.id as CoordinationRequestId,
  intentId: r.intent_id as UserIntentId,
  senderUserId: r.sender_user_id as UserId,
  recipientUserId: r.recipient_user_id as UserId,
  ...(r.note !== null ? { note: r.note } : {}),
  status: r.status,
  createdAt: r.created_at,
  ...(r.answered_at !== null ? { answeredAt: r.answered_at } : {}),
});

const SELECT = "SELECT r.*, i.id AS intent_id FROM coordination_requests r JOIN user_intents i ON i.pk = r.intent_pk";

/** Coordination requests for an intent, from its owner to another user (section 7.4). */
export const makeRequests = (sql: Sql) => {
  const insert = sql.prepare<[string, number, string, string, string | null, string]>(
    `INSERT INTO coordination_requests (id, intent_pk, sender_user_id, recipient_user_id, note, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const byId = sql.prepare<[string], RequestRow>(`${SELECT} WHERE r.id = ?`);
  const answer = sql.prepare<[string, string, string]>(
    "UPDATE coordination_requests SET status = ?, answered_at = ? WHERE id = ? AND status = 'pending'",
  );
  const pendingOf = sql.prepare<[number], RequestRow>(`${SELECT} WHERE r.intent_pk = ? AND r.status = 'pending'`);
  const cancelPending = sql.prepare<[string, number]>(
    "UPDATE coordination_requests SET status = 'cancelled', answered_at = ? WHERE intent_pk = ? AND status = 'pending'",
  );

  return {
    async insert(r: {
      id: string;
      intentPk: number;
      senderUserId: string;
      recipientUserId: string;
      note: string | undefined;
      at: string;
    }): Promise<CoordinationRequest> {
      await insert.run(r.id, r.intentPk, r.senderUserId, r.recipientUserId, r.note ?? null, r.at);
      return toRequest((await byId.get(r.id))!);
    },
    async get(id: string): Promise<CoordinationRequest | undefined> {
      const r = await byId.get(id);
      return r && toRequest(r);
    },
    /** Answer a pending request; returns it afterwards, or undefined when it was not pending. */
    async answer(id: string, status: "accepted" | "rejected", at: string): Promise<CoordinationRequest | undefined> {
      return (await answer.run(status, at, id)) > 0 ? toRequest((await byId.get(id))!) : undefined;
    },
    /** Cancel the intent's pending requests; returns them as they were before. */
    async cancelPendingOf(intentPk: number, at: string): Promise<CoordinationRequest[]> {
      const pending = (await pendingOf.all(intentPk)).map(toRequest);
      await cancelPending.run(at, intentPk);
      return pending;
    },
  };
};
export type Requests = ReturnType<typeof makeRequests>;
