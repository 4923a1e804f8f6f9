import { jsonEach, type Sql } from "../sql.ts";

/**
 * Apps' event subscriptions (section 7.4 `events/subscribe`): patterns per
 * app, kept across reconnects because delivery goes through the event log.
 */
export const makeSubscriptions = (sql: Sql) => {
  const set = sql.prepare<[string, string, string]>(
    `INSERT INTO event_subscriptions (app_id, patterns, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (app_id) DO UPDATE SET patterns = excluded.patterns, updated_at = excluded.updated_at`,
  );
  const clear = sql.prepare<[string]>("DELETE FROM event_subscriptions WHERE app_id = ?");
  const get = sql.prepare<[string], { patterns: string }>("SELECT patterns FROM event_subscriptions WHERE app_id = ?");
  // Subscribed apps holding an active grant from at least one of the users.
  const grantedBy = sql.prepare<[string], { app_id: string; patterns: string }>(
    `SELECT s.app_id, s.patterns FROM event_subscriptions s
     WHERE EXISTS (SELECT 1 FROM grants g WHERE g.app_id = s.app_id AND g.subject_type = 'user'
       AND g.status = 'active' AND g.subject_id IN (SELECT value FROM ${jsonEach(sql)}))`,
  );

  return {
    async set(appId: string, patterns: ReadonlyArray<string>, at: string): Promise<void> {
      if (patterns.length === 0) await clear.run(appId);
      else await set.run(appId, JSON.stringify(patterns), at);
    },
    async get(appId: string): Promise<string[]> {
      const r = await get.get(appId);
      return r ? (JSON.parse(r.patterns) as string[]) : [];
    },
    /** Subscribed apps, with their patterns, that one of these users has granted. */
    async grantedBy(userIds: ReadonlyArray<string>): Promise<Array<{ appId: string; patterns: string[] }>> {
      return (await grantedBy.all(JSON.stringify(userIds))).map((r) => ({
        appId: r.app_id,
        patterns: JSON.parse(r.patterns) as string[],
      }));
    },
  };
};
export type Subscriptions = ReturnType<typeof makeSubscriptions>;
