import type {
  CoordinationRequest,
  CoordinationRequestId,
  RequestStatus,
  UserId,
  UserIntentId,
} from "../../protocol/index.ts";
import type { Db } from "../db.ts";

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
export const makeRequests = (db: Db) => {
  const insert = db.prepare(
    `INSERT INTO coordination_requests (id, intent_pk, sender_user_id, recipient_user_id, note, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const byId = db.prepare<[string], RequestRow>(`${SELECT} WHERE r.id = ?`);
  const answer = db.prepare(
    "UPDATE coordination_requests SET status = ?, answered_at = ? WHERE id = ? AND status = 'pending'",
  );
  const pendingOf = db.prepare<[number], RequestRow>(`${SELECT} WHERE r.intent_pk = ? AND r.status = 'pending'`);
  const cancelPending = db.prepare(
    "UPDATE coordination_requests SET status = 'cancelled', answered_at = ? WHERE intent_pk = ? AND status = 'pending'",
  );

  return {
    insert(r: {
      id: string;
      intentPk: number;
      senderUserId: string;
      recipientUserId: string;
      note: string | undefined;
      at: string;
    }): CoordinationRequest {
      insert.run(r.id, r.intentPk, r.senderUserId, r.recipientUserId, r.note ?? null, r.at);
      return toRequest(byId.get(r.id)!);
    },
    get(id: string): CoordinationRequest | undefined {
      const r = byId.get(id);
      return r && toRequest(r);
    },
    /** Answer a pending request; returns it afterwards, or undefined when it was not pending. */
    answer(id: string, status: "accepted" | "rejected", at: string): CoordinationRequest | undefined {
      return answer.run(status, at, id).changes > 0 ? toRequest(byId.get(id)!) : undefined;
    },
    /** Cancel the intent's pending requests; returns them as they were before. */
    cancelPendingOf(intentPk: number, at: string): CoordinationRequest[] {
      const pending = pendingOf.all(intentPk).map(toRequest);
      cancelPending.run(at, intentPk);
      return pending;
    },
  };
};
export type Requests = ReturnType<typeof makeRequests>;
