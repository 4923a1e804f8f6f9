import type { UserId, UserIntent, UserIntentId, UserIntentStatus } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

interface IntentRow {
  pk: number;
  id: string;
  owner_user_id: string;
  text: string;
  framing: string | null;
  status: UserIntentStatus;
  created_at: string;
  updated_at: string;
  cancelled_at: string | null;
}

const toIntent = (r: IntentRow): UserIntent => ({
  id: r.id as UserIntentId,
  ownerUserId: r.owner_user_id as UserId,
  text: r.text,
  ...(r.framing !== null ? { framing: r.framing } : {}),
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.cancelled_at !== null ? { cancelledAt: r.cancelled_at } : {}),
});

export interface UserIntentRecord {
  readonly pk: number;
  readonly intent: UserIntent;
}

const toRecord = (r: IntentRow): UserIntentRecord => ({ pk: r.pk, intent: toIntent(r) });

/** Users' coordination intents (section 7.4), not the message intents of section 8. */
export const makeUserIntents = (sql: Sql) => {
  const insert = sql.prepare<[string, string, string, string | null, string, string], { pk: number }>(
    `INSERT INTO user_intents (id, owner_user_id, text, framing, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'active', ?, ?) RETURNING pk`,
  );
  const byId = sql.prepare<[string], IntentRow>("SELECT * FROM user_intents WHERE id = ?");
  const byPk = sql.prepare<[number], IntentRow>("SELECT * FROM user_intents WHERE pk = ?");
  const sameFraming = sql.engine === "sqlite" ? "framing IS ?" : "framing IS NOT DISTINCT FROM CAST(? AS TEXT)";
  const same = sql.prepare<[string, string, string | null], IntentRow>(
    `SELECT * FROM user_intents WHERE owner_user_id = ? AND status = 'active' AND text = ? AND ${sameFraming}
     ORDER BY pk LIMIT 1`,
  );
  const update = sql.prepare<[string, string | null, string, number]>(
    "UPDATE user_intents SET text = ?, framing = ?, updated_at = ? WHERE pk = ?",
  );
  const cancel = sql.prepare<[string, string, number]>(
    "UPDATE user_intents SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE pk = ? AND status = 'active'",
  );

  return {
    async insert(i: {
      id: string;
      ownerUserId: string;
      text: string;
      framing: string | undefined;
      at: string;
    }): Promise<UserIntentRecord> {
      const { pk } = (await insert.get(i.id, i.ownerUserId, i.text, i.framing ?? null, i.at, i.at))!;
      return toRecord((await byPk.get(pk))!);
    },
    async get(id: string): Promise<UserIntentRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    /** The owner's active intent with exactly this text and framing, if any. */
    async findActiveSame(
      ownerUserId: string,
      text: string,
      framing: string | undefined,
    ): Promise<UserIntentRecord | undefined> {
      const r = await same.get(ownerUserId, text, framing ?? null);
      return r && toRecord(r);
    },
    async update(pk: number, text: string, framing: string | undefined, at: string): Promise<UserIntentRecord> {
      await update.run(text, framing ?? null, at, pk);
      return toRecord((await byPk.get(pk))!);
    },
    async cancel(pk: number, at: string): Promise<UserIntentRecord> {
      await cancel.run(at, at, pk);
      return toRecord((await byPk.get(pk))!);
    },
  };
};
export type UserIntents = ReturnType<typeof makeUserIntents>;
