import type { Sql } from "../sql.ts";

export interface StoredResponse {
  readonly action: string;
  readonly actorUserId: string | undefined;
  readonly fingerprint: string;
  /** The result as JSON. */
  readonly response: string;
}

const PURGE_BATCH = 100;

/**
 * Idempotency keys (section 7.5): the successful response of a call, per
 * (principal, key), until it expires. Expired rows read as absent and are
 * purged a few at a time as new ones are written.
 */
export const makeIdempotency = (sql: Sql) => {
  const get = sql.prepare<
    [string, string, number],
    { action: string; actor_user_id: string | null; fingerprint: string; response: string }
  >(
    `SELECT action, actor_user_id, fingerprint, response FROM idempotency_keys
     WHERE principal = ? AND key = ? AND expires_at_ms > ?`,
  );
  const put = sql.prepare<[string, string, string, string | null, string, string, number, number]>(
    `INSERT INTO idempotency_keys (principal, key, action, actor_user_id, fingerprint, response, created_at_ms, expires_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (principal, key) DO UPDATE SET action = excluded.action, actor_user_id = excluded.actor_user_id,
       fingerprint = excluded.fingerprint, response = excluded.response, created_at_ms = excluded.created_at_ms,
       expires_at_ms = excluded.expires_at_ms
     WHERE idempotency_keys.expires_at_ms <= excluded.created_at_ms`,
  );
  const purge = sql.prepare<[number]>(
    `DELETE FROM idempotency_keys WHERE (principal, key) IN
       (SELECT principal, key FROM idempotency_keys WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ${PURGE_BATCH})`,
  );

  return {
    async get(principal: string, key: string, nowMs: number): Promise<StoredResponse | undefined> {
      const r = await get.get(principal, key, nowMs);
      return (
        r && {
          action: r.action,
          actorUserId: r.actor_user_id ?? undefined,
          fingerprint: r.fingerprint,
          response: r.response,
        }
      );
    },
    /** Keep a response; an unexpired entry for the same key is never overwritten. */
    async put(principal: string, key: string, stored: StoredResponse, nowMs: number, ttlMs: number): Promise<void> {
      await purge.run(nowMs);
      await put.run(
        principal,
        key,
        stored.action,
        stored.actorUserId ?? null,
        stored.fingerprint,
        stored.response,
        nowMs,
        nowMs + ttlMs,
      );
    },
  };
};
export type Idempotency = ReturnType<typeof makeIdempotency>;
