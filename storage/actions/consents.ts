import type { AppId, Consent, ConsentId, ConsentStatus, UserId } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

interface ConsentRow {
  pk: number;
  id: string;
  app_id: string;
  user_id: string;
  scope: string;
  capabilities: string;
  note: string | null;
  status: ConsentStatus;
  created_at: string;
  answered_at: string | null;
  grant_id: string | null;
}

const toConsent = (r: ConsentRow): Consent => ({
  id: r.id as ConsentId,
  appId: r.app_id as AppId,
  userId: r.user_id as UserId,
  scope: r.scope,
  capabilities: JSON.parse(r.capabilities) as string[],
  ...(r.note !== null ? { note: r.note } : {}),
  status: r.status,
  createdAt: r.created_at,
});

export interface ConsentRecord {
  readonly pk: number;
  readonly consent: Consent;
}

/** Consent requests (section 7.3): an app asks, the user approves (a grant is made) or rejects. */
export const makeConsents = (sql: Sql) => {
  const insert = sql.prepare<[string, string, string, string, string, string | null, string]>(
    `INSERT INTO consents (id, app_id, user_id, scope, capabilities, note, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const byId = sql.prepare<[string], ConsentRow>("SELECT * FROM consents WHERE id = ?");
  const answer = sql.prepare<[string, string, string | null, string]>(
    "UPDATE consents SET status = ?, answered_at = ?, grant_id = ? WHERE id = ? AND status = 'pending'",
  );
  const forUser = sql.prepare<[string, string | null, string | null, number, number], ConsentRow>(
    `SELECT * FROM consents WHERE user_id = ? AND (CAST(? AS TEXT) IS NULL OR status = ?) AND pk < ?
     ORDER BY pk DESC LIMIT ?`,
  );

  return {
    async insert(c: {
      id: string;
      appId: string;
      userId: string;
      scope: string;
      capabilities: ReadonlyArray<string>;
      note: string | undefined;
      createdAt: string;
    }): Promise<Consent> {
      await insert.run(c.id, c.appId, c.userId, c.scope, JSON.stringify(c.capabilities), c.note ?? null, c.createdAt);
      return toConsent((await byId.get(c.id))!);
    },
    async get(id: string): Promise<Consent | undefined> {
      const r = await byId.get(id);
      return r && toConsent(r);
    },
    /** Answer a pending request; false when it was no longer pending. */
    answer: async (
      id: string,
      status: "approved" | "rejected",
      at: string,
      grantId: string | undefined,
    ): Promise<boolean> => (await answer.run(status, at, grantId ?? null, id)) > 0,
    listForUser: async (
      userId: string,
      status: ConsentStatus | undefined,
      beforePk: number,
      limit: number,
    ): Promise<ConsentRecord[]> =>
      (await forUser.all(userId, status ?? null, status ?? null, beforePk, limit)).map((r) => ({
        pk: r.pk,
        consent: toConsent(r),
      })),
  };
};
export type Consents = ReturnType<typeof makeConsents>;
