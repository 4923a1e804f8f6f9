import type { Webhook, WebhookDelivery } from "../protocol/methods/webhooks.ts";
import type { Db } from "./db.ts";

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
 * per-app delivery lease. Every write runs inside the caller's transaction.
 *
 * Contract for the delivery worker: an app's events are delivered from its
 * event log in cursor order; `deliveredThrough` only moves forward, and only
 * by the lease holder (`advance` and `fail` check the lease in the same
 * statement), so two nodes can never both move one app's delivery on.
 */
export const makeWebhooks = (db: Db) => {
  const byApp = db.prepare<[string], WebhookRow>("SELECT * FROM webhooks WHERE app_id = ?");
  const active = db.prepare<[], { app_id: string }>("SELECT app_id FROM webhooks WHERE status = 'active'");
  const all = db.prepare<[], WebhookRow>("SELECT * FROM webhooks");
  const setSecrets = db.prepare("UPDATE webhooks SET secret = ?, previous_secret = ? WHERE app_id = ?");
  const insert = db.prepare(
    `INSERT INTO webhooks (app_id, url, secret, status, created_at, delivered_through, attempts, next_attempt_at)
     VALUES (?, ?, ?, 'active', ?, ?, 0, 0)`,
  );
  const replace = db.prepare(
    `UPDATE webhooks SET url = ?, secret = ?, previous_secret = secret, previous_until = ? WHERE app_id = ?`,
  );
  const remove = db.prepare("DELETE FROM webhooks WHERE app_id = ?");
  const resume = db.prepare(
    `UPDATE webhooks SET status = 'active', paused_at = NULL, failure = NULL, attempts = 0, next_attempt_at = 0
     WHERE app_id = ?`,
  );
  const holds = `EXISTS (SELECT 1 FROM webhook_leases l WHERE l.app_id = webhooks.app_id AND l.holder = ? AND l.expires_at > ?)`;
  const advance = db.prepare(
    `UPDATE webhooks SET delivered_through = ?, attempts = 0, next_attempt_at = 0
     WHERE app_id = ? AND delivered_through < ? AND ${holds}`,
  );
  const retryLater = db.prepare(
    `UPDATE webhooks SET attempts = ?, next_attempt_at = ? WHERE app_id = ? AND delivered_through = ? AND ${holds}`,
  );
  const pause = db.prepare(
    `UPDATE webhooks SET status = 'paused', paused_at = ?, failure = ?, attempts = ?
     WHERE app_id = ? AND delivered_through = ? AND ${holds}`,
  );
  const takeLease = db.prepare(
    `INSERT INTO webhook_leases (app_id, holder, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (app_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE webhook_leases.holder = excluded.holder OR webhook_leases.expires_at <= ?`,
  );
  const dropLeases = db.prepare("DELETE FROM webhook_leases");
  const dropLease = db.prepare("DELETE FROM webhook_leases WHERE app_id = ? AND holder = ?");
  const logAttempt = db.prepare(
    `INSERT INTO webhook_deliveries
       (app_id, event_cursor, callback_id, method, attempt, outcome, http_status, error, duration_ms, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trimAttempts = db.prepare(
    `DELETE FROM webhook_deliveries WHERE app_id = ? AND id <= (
       SELECT id FROM webhook_deliveries WHERE app_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const newestAttempts = db.prepare<[string, number], DeliveryRow>(
    "SELECT * FROM webhook_deliveries WHERE app_id = ? ORDER BY id DESC LIMIT ?",
  );
  const olderAttempts = db.prepare<[string, number, number], DeliveryRow>(
    "SELECT * FROM webhook_deliveries WHERE app_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
  );
  const removeAttempts = db.prepare("DELETE FROM webhook_deliveries WHERE app_id = ?");

  return {
    get(appId: string): WebhookRecord | undefined {
      const r = byApp.get(appId);
      return r && toRecord(r);
    },
    all: (): WebhookRecord[] => all.all().map(toRecord),
    /** Store the secrets in another form (sealed under a new key); the secrets themselves are unchanged. */
    restoreSecrets(appId: string, secret: string, previousSecret: string | undefined): void {
      setSecrets.run(secret, previousSecret ?? null, appId);
    },
    /** Apps whose webhook is active: those the worker delivers to. */
    activeApps: (): string[] => active.all().map((r) => r.app_id),
    /**
     * Register a webhook delivering the app's events after `from` (its
     * current cursor), or replace the URL and secret of the existing one,
     * keeping its place; the replaced secret keeps signing until `previousUntil`.
     */
    set(appId: string, url: string, secret: string, at: string, from: number, previousUntil: number): WebhookRecord {
      if (byApp.get(appId)) replace.run(url, secret, previousUntil, appId);
      else insert.run(appId, url, secret, at, from);
      return toRecord(byApp.get(appId)!);
    },
    /** Remove the webhook and its attempts; returns whether there was one. */
    delete(appId: string): boolean {
      removeAttempts.run(appId);
      return remove.run(appId).changes > 0;
    },
    /** Active again, at the first undelivered event, with a fresh retry schedule. */
    resume(appId: string): WebhookRecord | undefined {
      resume.run(appId);
      return this.get(appId);
    },
    /**
     * Take or renew the app's delivery lease until `expiresAt`: true when
     * `holder` now holds it (it was free, expired, or already its own).
     */
    lease(appId: string, holder: string, nowMs: number, expiresAt: number): boolean {
      return takeLease.run(appId, holder, expiresAt, nowMs).changes > 0;
    },
    releaseLease(appId: string, holder: string): void {
      dropLease.run(appId, holder);
    },
    /** Forget every lease: only for a hub that is alone on its database (SQLite), at start. */
    releaseAllLeases(): void {
      dropLeases.run();
    },
    /** The event at `cursor` was delivered; false when the lease was lost or it had moved on already. */
    advance(appId: string, cursor: number, holder: string, nowMs: number): boolean {
      return advance.run(cursor, appId, cursor, holder, nowMs).changes > 0;
    },
    /** The event after `deliveredThrough` failed for the `attempts`-th time: try again at `nextAt`. */
    retryLater(
      appId: string,
      deliveredThrough: number,
      attempts: number,
      nextAt: number,
      holder: string,
      nowMs: number,
    ): boolean {
      return retryLater.run(attempts, nextAt, appId, deliveredThrough, holder, nowMs).changes > 0;
    },
    /** The retry schedule is exhausted: delivery stops until app/webhook/resume. */
    pause(
      appId: string,
      deliveredThrough: number,
      attempts: number,
      failure: string,
      at: string,
      holder: string,
      nowMs: number,
    ): boolean {
      return pause.run(at, failure, attempts, appId, deliveredThrough, holder, nowMs).changes > 0;
    },
    /** Log one attempt, keeping the newest `keep` of the app. */
    logAttempt(a: DeliveryAttempt, keep: number): void {
      logAttempt.run(
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
      trimAttempts.run(a.appId, a.appId, keep);
    },
    /** The app's attempts, newest first, before the attempt `beforeId` (a page key) when given. */
    attempts(
      appId: string,
      beforeId: number | undefined,
      limit: number,
    ): Array<{ id: number; delivery: WebhookDelivery }> {
      const rows =
        beforeId === undefined ? newestAttempts.all(appId, limit) : olderAttempts.all(appId, beforeId, limit);
      return rows.map((r) => ({ id: r.id, delivery: toDelivery(r) }));
    },
  };
};
export type Webhooks = ReturnType<typeof makeWebhooks>;
