import type { Sql } from "../sql.ts";

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
export const makeConfirmations = (sql: Sql) => {
  const insert = sql.prepare<[string, string, string, string, string, string, string, string, number]>(
    `INSERT INTO confirmations (id, invoker_type, invoker_id, actor_user_id, action, params, fingerprint, status,
       created_at, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const byId = sql.prepare<[string], ConfirmationRow>("SELECT * FROM confirmations WHERE id = ?");
  const answer = sql.prepare<[string, string, string]>(
    "UPDATE confirmations SET status = ?, answered_at = ? WHERE id = ? AND status = 'pending'",
  );
  const use = sql.prepare<[string, string, number]>(
    "UPDATE confirmations SET status = 'used', used_at = ? WHERE id = ? AND status = 'approved' AND expires_at_ms > ?",
  );
  const restore = sql.prepare<[string]>(
    "UPDATE confirmations SET status = 'approved', used_at = NULL WHERE id = ? AND status = 'used'",
  );

  return {
    async insert(c: Omit<ConfirmationRecord, "status">): Promise<void> {
      await insert.run(
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
    async get(id: string): Promise<ConfirmationRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    /** Record the user's answer; false when it was no longer pending. */
    answer: async (id: string, status: "approved" | "rejected", at: string): Promise<boolean> =>
      (await answer.run(status, at, id)) > 0,
    /** Spend an approved, unexpired confirmation; false when it cannot be spent. */
    use: async (id: string, at: string, nowMs: number): Promise<boolean> => (await use.run(at, id, nowMs)) > 0,
    /** Give back a confirmation whose action certainly did not run (its app was not connected). */
    restore: async (id: string): Promise<void> => {
      await restore.run(id);
    },
  };
};
export type Confirmations = ReturnType<typeof makeConfirmations>;
