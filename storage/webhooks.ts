import type { Webhook, WebhookDelivery } from "../protocol/methods/webhooks.ts";
import type { Sql } from "./sql.ts";

interface WebhookRow {
  app_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_until: number | null;
  status: "active" | "paused";
  created_at: string;
  paused_at: string | null;
  failure: string | null;
  delivered_through: number;
  attempts: number;
  next_attempt_at: number;
}

/** A webhook as the hub keeps it: the wire shape plus the delivery state and the sealed secrets. */
export interface WebhookRecord {
  readonly appId: string;
  readonly webhook: Webhook;
  /** Sealed (see server/webhooks/sealing.ts); never logged, never on the wire after app/webhook/set. */
  readonly secret: string;
  /** The secret before the last rotation, which also signs until `previousUntil` (ms). */
  readonly previousSecret: string | undefined;
  readonly previousUntil: number | undefined;
  /** The cursor of the app's last event the endpoint accepted. */
  readonly deliveredThrough: number;
  /** Failed attempts of the event after `deliveredThrough`. */
  readonly attempts: number;
  /** When that event may be tried again (ms since the epoch). */
  readonly nextAttemptAt: number;
}

const toRecord = (r: WebhookRow): WebhookRecord => ({
  appId: r.app_id,
  webhook: {
    url: r.url,
    status: r.status,
    createdAt: r.created_at,
    ...(r.paused_at !== null ? { pausedAt: r.paused_at } : {}),
    ...(r.failure !== null ? { failure: r.failure } : {}),
  },
  secret: r.secret,
  previousSecret: r.previous_secret ?? undefined,
  previousUntil: r.previous_until ?? undefined,
  deliveredThrough: r.delivered_through,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
});

interface DeliveryRow {
  id: number;
  event_cursor: number | null;
  callback_id: string | null;
  method: string;
  attempt: number;
  outcome: "delivered" | "failed";
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  ...(r.event_cursor !== null ? { eventCursor: String(r.event_cursor) } : {}),
  ...(r.callback_id !== null ? { callbackId: r.callback_id } : {}),
  method: r.method,
  attempt: r.attempt,
  outcome: r.outcome,
  ...(r.http_status !== null ? { httpStatus: r.http_status } : {}),
  ...(r.error !== null ? { error: r.error } : {}),
  durationMs: r.duration_ms,
  at: r.at,
});

export interface DeliveryAttempt {
  readonly appId: string;
  readonly eventCursor?: number | undefined;
  readonly callbackId?: string | undefined;
  readonly method: string;
  readonly attempt: number;
  readonly outcome: "delivered" | "failed";
  readonly httpStatus?: number | undefined;
  readonly error?: string | undefined;
  readonly durationMs: number;
  readonly at: string;
}

/**
 * Webhooks (section 12), their delivery state, the log of attempts, and the
 * per-app delivery lease. Every write runs inside the caller's transaction;
 * the same on both engines.
 *
 * Contract for the delivery worker: an app's events are delivered from its
 * event log in cursor order; `deliveredThrough` only moves forward, and only
 * by the lease holder (`advance` and `fail` check the lease in the same
 * statement), so two nodes can never both move one app's delivery on.
 */
export const makeWebhooks = (sql: Sql) => {
  const byApp = sql.prepare<[string], WebhookRow>("SELECT * FROM webhooks WHERE app_id = ?");
  const active = sql.prepare<[], { app_id: string }>("SELECT app_id FROM webhooks WHERE status = 'active'");
  const all = sql.prepare<[], WebhookRow>("SELECT * FROM webhooks ORDER BY app_id");
  const setSecrets = sql.prepare<[string, string | null, string]>(
    "UPDATE webhooks SET secret = ?, previous_secret = ? WHERE app_id = ?",
  );
  const insert = sql.prepare<[string, string, string, string, number]>(
    `INSERT INTO webhooks (app_id, url, secret, status, created_at, delivered_through, attempts, next_attempt_at)
     VALUES (?, ?, ?, 'active', ?, ?, 0, 0)`,
  );
  const replace = sql.prepare<[string, string, number, string]>(
    `UPDATE webhooks SET url = ?, secret = ?, previous_secret = secret, previous_until = ? WHERE app_id = ?`,
  );
  const remove = sql.prepare<[string]>("DELETE FROM webhooks WHERE app_id = ?");
  const resume = sql.prepare<[string]>(
    `UPDATE webhooks SET status = 'active', paused_at = NULL, failure = NULL, attempts = 0, next_attempt_at = 0
     WHERE app_id = ?`,
  );
  const holds = `EXISTS (SELECT 1 FROM webhook_leases l WHERE l.app_id = webhooks.app_id AND l.holder = ? AND l.expires_at > ?)`;
  const advance = sql.prepare<[number, string, number, string, number]>(
    `UPDATE webhooks SET delivered_through = ?, attempts = 0, next_attempt_at = 0
     WHERE app_id = ? AND delivered_through < ? AND ${holds}`,
  );
  const retryLater = sql.prepare<[number, number, string, number, string, number]>(
    `UPDATE webhooks SET attempts = ?, next_attempt_at = ? WHERE app_id = ? AND delivered_through = ? AND ${holds}`,
  );
  const pause = sql.prepare<[string, string, number, string, number, string, number]>(
    `UPDATE webhooks SET status = 'paused', paused_at = ?, failure = ?, attempts = ?
     WHERE app_id = ? AND delivered_through = ? AND ${holds}`,
  );
  // Taken only when free, expired, or already the holder's: on PostgreSQL several nodes run this at once.
  const takeLease = sql.prepare<[string, string, number, number]>(
    `INSERT INTO webhook_leases (app_id, holder, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (app_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE webhook_leases.holder = excluded.holder OR webhook_leases.expires_at <= ?`,
  );
  const dropLeases = sql.prepare<[]>("DELETE FROM webhook_leases");
  const dropLease = sql.prepare<[string, string]>("DELETE FROM webhook_leases WHERE app_id = ? AND holder = ?");
  const logAttempt = sql.prepare<
    [string, number | null, string | null, string, number, string, number | null, string | null, number, string]
  >(
    `INSERT INTO webhook_deliveries
       (app_id, event_cursor, callback_id, method, attempt, outcome, http_status, error, duration_ms, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trimAttempts = sql.prepare<[string, string, number]>(
    `DELETE FROM webhook_deliveries WHERE app_id = ? AND id <= (
       SELECT id FROM webhook_deliveries WHERE app_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const newestAttempts = sql.prepare<[string, number], DeliveryRow>(
    "SELECT * FROM webhook_deliveries WHERE app_id = ? ORDER BY id DESC LIMIT ?",
  );
  const olderAttempts = sql.prepare<[string, number, number], DeliveryRow>(
    "SELECT * FROM webhook_deliveries WHERE app_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
  );
  const removeAttempts = sql.prepare<[string]>("DELETE FROM webhook_deliveries WHERE app_id = ?");

  const get = async (appId: string): Promise<WebhookRecord | undefined> => {
    const r = await byApp.get(appId);
    return r && toRecord(r);
  };

  return {
    get,
    all: async (): Promise<WebhookRecord[]> => (await all.all()).map(toRecord),
    /** Store the secrets in another form (sealed under a new key); the secrets themselves are unchanged. */
    async restoreSecrets(appId: string, secret: string, previousSecret: string | undefined): Promise<void> {
      await setSecrets.run(secret, previousSecret ?? null, appId);
    },
    /** Apps whose webhook is active: those the worker delivers to. */
    activeApps: async (): Promise<string[]> => (await active.all()).map((r) => r.app_id),
    /**
     * Register a webhook delivering the app's events after `from` (its
     * current cursor), or replace the URL and secret of the existing one,
     * keeping its place; the replaced secret keeps signing until `previousUntil`.
     */
    async set(
      appId: string,
      url: string,
      secret: string,
      at: string,
      from: number,
      previousUntil: number,
    ): Promise<WebhookRecord> {
      if (await byApp.get(appId)) await replace.run(url, secret, previousUntil, appId);
      else await insert.run(appId, url, secret, at, from);
      return (await get(appId))!;
    },
    /** Remove the webhook and its attempts; returns whether there was one. */
    async delete(appId: string): Promise<boolean> {
      await removeAttempts.run(appId);
      return (await remove.run(appId)) > 0;
    },
    /** Active again, at the first undelivered event, with a fresh retry schedule. */
    async resume(appId: string): Promise<WebhookRecord | undefined> {
      await resume.run(appId);
      return get(appId);
    },
    /**
     * Take or renew the app's delivery lease until `expiresAt`: true when
     * `holder` now holds it (it was free, expired, or already its own).
     */
    lease: async (appId: string, holder: string, nowMs: number, expiresAt: number): Promise<boolean> =>
      (await takeLease.run(appId, holder, expiresAt, nowMs)) > 0,
    async releaseLease(appId: string, holder: string): Promise<void> {
      await dropLease.run(appId, holder);
    },
    /** Forget every lease: only for a hub that is alone on its database (SQLite), at start. */
    async releaseAllLeases(): Promise<void> {
      await dropLeases.run();
    },
    /** The event at `cursor` was delivered; false when the lease was lost or it had moved on already. */
    advance: async (appId: string, cursor: number, holder: string, nowMs: number): Promise<boolean> =>
      (await advance.run(cursor, appId, cursor, holder, nowMs)) > 0,
    /** The event after `deliveredThrough` failed for the `attempts`-th time: try again at `nextAt`. */
    retryLater: async (
      appId: string,
      deliveredThrough: number,
      attempts: number,
      nextAt: number,
      holder: string,
      nowMs: number,
    ): Promise<boolean> => (await retryLater.run(attempts, nextAt, appId, deliveredThrough, holder, nowMs)) > 0,
    /** The retry schedule is exhausted: delivery stops until app/webhook/resume. */
    pause: async (
      appId: string,
      deliveredThrough: number,
      attempts: number,
      failure: string,
      at: string,
      holder: string,
      nowMs: number,
    ): Promise<boolean> => (await pause.run(at, failure, attempts, appId, deliveredThrough, holder, nowMs)) > 0,
    /** Log one attempt, keeping the newest `keep` of the app. */
    async logAttempt(a: DeliveryAttempt, keep: number): Promise<void> {
      await logAttempt.run(
        a.appId,
        a.eventCursor ?? null,
        a.callbackId ?? null,
        a.method,
        a.attempt,
        a.outcome,
        a.httpStatus ?? null,
        a.error ?? null,
        a.durationMs,
        a.at,
      );
      await trimAttempts.run(a.appId, a.appId, keep);
    },
    /** The app's attempts, newest first, before the attempt `beforeId` (a page key) when given. */
    async attempts(
      appId: string,
      beforeId: number | undefined,
      limit: number,
    ): Promise<Array<{ id: number; delivery: WebhookDelivery }>> {
      const rows =
        beforeId === undefined
          ? await newestAttempts.all(appId, limit)
          : await olderAttempts.all(appId, beforeId, limit);
      return rows.map((r) => ({ id: r.id, delivery: toDelivery(r) }));
    },
  };
};
export type Webhooks = ReturnType<typeof makeWebhooks>;
