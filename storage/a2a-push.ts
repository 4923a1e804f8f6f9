import type { Sql } from "./sql.ts";

/** An A2A push-notification config as the hub keeps it; the secrets sealed (server/webhooks/secrets.ts). */
export interface A2aPushRecord {
  readonly taskId: string;
  readonly id: string;
  readonly clientId: string;
  readonly url: string;
  /** The sealed Standard Webhooks secret (`whsec_…`) that signs every request. */
  readonly secret: string;
  /** The sealed token sent as X-A2A-Notification-Token, when the caller's token is not a signing secret. */
  readonly token: string | undefined;
  readonly authScheme: string | undefined;
  /** Sealed. */
  readonly authCredentials: string | undefined;
  readonly status: "active" | "paused" | "done";
  readonly failure: string | undefined;
  readonly createdAt: string;
  /** 2 x the seq of the last message delivered, + 1 once the task's end was delivered. */
  readonly deliveredThrough: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

interface Row {
  task_id: string;
  id: string;
  client_id: string;
  url: string;
  secret: string;
  token: string | null;
  auth_scheme: string | null;
  auth_credentials: string | null;
  status: "active" | "paused" | "done";
  failure: string | null;
  created_at: string;
  delivered_through: number;
  attempts: number;
  next_attempt_at: number;
}

const toRecord = (r: Row): A2aPushRecord => ({
  taskId: r.task_id,
  id: r.id,
  clientId: r.client_id,
  url: r.url,
  secret: r.secret,
  token: r.token ?? undefined,
  authScheme: r.auth_scheme ?? undefined,
  authCredentials: r.auth_credentials ?? undefined,
  status: r.status,
  failure: r.failure ?? undefined,
  createdAt: r.created_at,
  deliveredThrough: r.delivered_through,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
});

export interface NewA2aPush {
  readonly taskId: string;
  readonly id: string;
  readonly clientId: string;
  readonly url: string;
  readonly secret: string;
  readonly token: string | undefined;
  readonly authScheme: string | undefined;
  readonly authCredentials: string | undefined;
  readonly at: string;
  readonly deliveredThrough: number;
}

/**
 * A2A push-notification configs (docs/A2A.md) and their delivery state.
 * Moving a config's delivery on checks the delivery lease in the same
 * statement, as storage/webhooks.ts does for an app's webhook; the lease is
 * the webhook_leases row keyed `<task id>/<config id>`.
 */
export const makeA2aPush = (sql: Sql) => {
  const byKey = sql.prepare<[string, string], Row>("SELECT * FROM a2a_push_configs WHERE task_id = ? AND id = ?");
  const ofTask = sql.prepare<[string, string, number], Row>(
    "SELECT * FROM a2a_push_configs WHERE task_id = ? AND id > ? ORDER BY id LIMIT ?",
  );
  const countOf = sql.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM a2a_push_configs WHERE task_id = ?");
  const active = sql.prepare<[], { task_id: string; id: string; client_id: string }>(
    "SELECT task_id, id, client_id FROM a2a_push_configs WHERE status = 'active'",
  );
  const upsert = sql.prepare<
    [string, string, string, string, string, string | null, string | null, string | null, string, number]
  >(
    `INSERT INTO a2a_push_configs
       (task_id, id, client_id, url, secret, token, auth_scheme, auth_credentials, status, created_at,
        delivered_through, attempts, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 0, 0)
     ON CONFLICT (task_id, id) DO UPDATE SET url = excluded.url, secret = excluded.secret, token = excluded.token,
       auth_scheme = excluded.auth_scheme, auth_credentials = excluded.auth_credentials, status = 'active',
       failure = NULL, created_at = excluded.created_at, delivered_through = excluded.delivered_through,
       attempts = 0, next_attempt_at = 0`,
  );
  const sealed = sql.prepare<[], { secret: string; token: string | null; auth_credentials: string | null }>(
    "SELECT secret, token, auth_credentials FROM a2a_push_configs",
  );
  const remove = sql.prepare<[string, string]>("DELETE FROM a2a_push_configs WHERE task_id = ? AND id = ?");
  const holds = `EXISTS (SELECT 1 FROM webhook_leases l
    WHERE l.app_id = a2a_push_configs.task_id || '/' || a2a_push_configs.id AND l.holder = ? AND l.expires_at > ?)`;
  const advance = sql.prepare<[number, string | null, string, string, number, string, number]>(
    `UPDATE a2a_push_configs SET delivered_through = ?, attempts = 0, next_attempt_at = 0,
       status = COALESCE(?, status)
     WHERE task_id = ? AND id = ? AND delivered_through < ? AND ${holds}`,
  );
  const retryLater = sql.prepare<[number, number, string, string, number, string, number]>(
    `UPDATE a2a_push_configs SET attempts = ?, next_attempt_at = ?
     WHERE task_id = ? AND id = ? AND delivered_through = ? AND ${holds}`,
  );
  const pause = sql.prepare<[string, number, string, string, number, string, number]>(
    `UPDATE a2a_push_configs SET status = 'paused', failure = ?, attempts = ?
     WHERE task_id = ? AND id = ? AND delivered_through = ? AND ${holds}`,
  );

  return {
    get: async (taskId: string, id: string): Promise<A2aPushRecord | undefined> => {
      const r = await byKey.get(taskId, id);
      return r && toRecord(r);
    },
    /** A page of the task's configs by id, after the id `after` ("" for the first page). */
    list: async (taskId: string, after: string, limit: number): Promise<A2aPushRecord[]> =>
      (await ofTask.all(taskId, after, limit)).map(toRecord),
    count: async (taskId: string): Promise<number> => (await countOf.get(taskId))?.n ?? 0,
    /** The configs still delivering, with the a2a-client whose events wake them. */
    active: async (): Promise<Array<{ taskId: string; id: string; clientId: string }>> =>
      (await active.all()).map((r) => ({ taskId: r.task_id, id: r.id, clientId: r.client_id })),
    /** Create the config, or replace the one with its id: it then delivers from `deliveredThrough`, afresh. */
    async put(c: NewA2aPush): Promise<A2aPushRecord> {
      await upsert.run(
        c.taskId,
        c.id,
        c.clientId,
        c.url,
        c.secret,
        c.token ?? null,
        c.authScheme ?? null,
        c.authCredentials ?? null,
        c.at,
        c.deliveredThrough,
      );
      return toRecord((await byKey.get(c.taskId, c.id))!);
    },
    /** Every sealed value (secrets, tokens, credentials), to check at start that they open with the hub's key. */
    sealedValues: async (): Promise<string[]> =>
      (await sealed.all()).flatMap((r) => [r.secret, r.token, r.auth_credentials].filter((v) => v !== null)),
    /** Whether there was such a config. */
    delete: async (taskId: string, id: string): Promise<boolean> => (await remove.run(taskId, id)) > 0,
    /** Delivered through `position`; an odd position is the task's end, after which the config is done. */
    advance: async (taskId: string, id: string, position: number, holder: string, nowMs: number): Promise<boolean> =>
      (await advance.run(position, position % 2 === 1 ? "done" : null, taskId, id, position, holder, nowMs)) > 0,
    retryLater: async (
      taskId: string,
      id: string,
      deliveredThrough: number,
      attempts: number,
      nextAt: number,
      holder: string,
      nowMs: number,
    ): Promise<boolean> => (await retryLater.run(attempts, nextAt, taskId, id, deliveredThrough, holder, nowMs)) > 0,
    pause: async (
      taskId: string,
      id: string,
      deliveredThrough: number,
      attempts: number,
      failure: string,
      holder: string,
      nowMs: number,
    ): Promise<boolean> => (await pause.run(failure, attempts, taskId, id, deliveredThrough, holder, nowMs)) > 0,
  };
};
export type A2aPush = ReturnType<typeof makeA2aPush>;
