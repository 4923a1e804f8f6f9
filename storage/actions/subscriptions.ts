import type { Db } from "../db.ts";

/**
 * Apps' event subscriptions (section 7.4 `events/subscribe`): patterns per
 * app, kept across reconnects because delivery goes through the event log.
 */
export const makeSubscriptions = (db: Db) => {
  const set = db.prepare(
    `INSERT INTO event_subscriptions (app_id, patterns, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (app_id) DO UPDATE SET patterns = excluded.patterns, updated_at = excluded.updated_at`,
  );
  const clear = db.prepare("DELETE FROM event_subscriptions WHERE app_id = ?");
  const get = db.prepare<[string], { patterns: string }>("SELECT patterns FROM event_subscriptions WHERE app_id = ?");
  // Subscribed apps holding an active grant from at least one of the users.
  const grantedBy = db.prepare<[string], { app_id: string; patterns: string }>(
    `SELECT s.app_id, s.patterns FROM event_subscriptions s
     WHERE EXISTS (SELECT 1 FROM grants g WHERE g.app_id = s.app_id AND g.subject_type = 'user'
       AND g.status = 'active' AND g.subject_id IN (SELECT value FROM json_each(?)))`,
  );

  return {
    set(appId: string, patterns: ReadonlyArray<string>, at: string): void {
      if (patterns.length === 0) clear.run(appId);
      else set.run(appId, JSON.stringify(patterns), at);
    },
    get(appId: string): string[] {
      const r = get.get(appId);
      return r ? (JSON.parse(r.patterns) as string[]) : [];
    },
    /** Subscribed apps, with their patterns, that one of these users has granted. */
    grantedBy(userIds: ReadonlyArray<string>): Array<{ appId: string; patterns: string[] }> {
      return grantedBy
        .all(JSON.stringify(userIds))
        .map((r) => ({ appId: r.app_id, patterns: JSON.parse(r.patterns) as string[] }));
    },
  };
};
export type Subscriptions = ReturnType<typeof makeSubscriptions>;
