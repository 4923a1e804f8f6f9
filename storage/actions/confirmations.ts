import type { Db } from "../db.ts";

export type ConfirmationStatus = "pending" | "approved" | "rejected" | "used";

export interface ConfirmationRecord {
  readonly id: string;
  readonly invokerType: string;
  readonly invokerId: string;
  readonly actorUserId: string;
  readonly action: string;
  readonly params: string;
  readonly fingerprint: string;
  readonly status: ConfirmationStatus;
  readonly createdAt: string;
  readonly expiresAtMs: number;
}

interface ConfirmationRow {
  id: string;
  invoker_type: string;
  invoker_id: string;
  actor_user_id: string;
  action: string;
  params: string;
  fingerprint: string;
  status: ConfirmationStatus;
  created_at: string;
  expires_at_ms: number;
}

const toRecord = (r: ConfirmationRow): ConfirmationRecord => ({
  id: r.id,
  invokerType: r.invoker_type,
  invokerId: r.invoker_id,
  actorUserId: r.actor_user_id,
  action: r.action,
  params: r.params,
  fingerprint: r.fingerprint,
  status: r.status,
  createdAt: r.created_at,
  expiresAtMs: r.expires_at_ms,
});

/**
 * Confirmations (section 7.2 step 6): pending until the acting user answers,
 * then approved or rejected; an approved one becomes `used` in the
 * transaction that runs its action, so it is good once.
 */
export const makeConfirmations = (db: Db) => {
  const insert = db.prepare(
    `INSERT INTO confirmations (id, invoker_type, invoker_id, actor_user_id, action, params, fingerprint, status,
       created_at, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const byId = db.prepare<[string], ConfirmationRow>("SELECT * FROM confirmations WHERE id = ?");
  const answer = db.prepare("UPDATE confirmations SET status = ?, answered_at = ? WHERE id = ? AND status = 'pending'");
  const use = db.prepare(
    "UPDATE confirmations SET status = 'used', used_at = ? WHERE id = ? AND status = 'approved' AND expires_at_ms > ?",
  );
  const restore = db.prepare(
    "UPDATE confirmations SET status = 'approved', used_at = NULL WHERE id = ? AND status = 'used'",
  );

  return {
    insert(c: Omit<ConfirmationRecord, "status">): void {
      insert.run(
        c.id,
        c.invokerType,
        c.invokerId,
        c.actorUserId,
        c.action,
        c.params,
        c.fingerprint,
        c.createdAt,
        c.expiresAtMs,
      );
    },
    get(id: string): ConfirmationRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    /** Record the user's answer; false when it was no longer pending. */
    answer: (id: string, status: "approved" | "rejected", at: string): boolean =>
      answer.run(status, at, id).changes > 0,
    /** Spend an approved, unexpired confirmation; false when it cannot be spent. */
    use: (id: string, at: string, nowMs: number): boolean => use.run(at, id, nowMs).changes > 0,
    /** Give back a confirmation whose action certainly did not run (its app was not connected). */
    restore: (id: string): void => {
      restore.run(id);
    },
  };
};
export type Confirmations = ReturnType<typeof makeConfirmations>;
