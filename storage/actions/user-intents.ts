import type { UserId, UserIntent, UserIntentId, UserIntentStatus } from "../../protocol/index.ts";
import type { Db } from "../db.ts";

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
export const makeUserIntents = (db: Db) => {
  const insert = db.prepare(
    `INSERT INTO user_intents (id, owner_user_id, text, framing, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'active', ?, ?)`,
  );
  const byId = db.prepare<[string], IntentRow>("SELECT * FROM user_intents WHERE id = ?");
  const byPk = db.prepare<[number], IntentRow>("SELECT * FROM user_intents WHERE pk = ?");
  const same = db.prepare<[string, string, string | null], IntentRow>(
    `SELECT * FROM user_intents WHERE owner_user_id = ? AND status = 'active' AND text = ? AND framing IS ?
     ORDER BY pk LIMIT 1`,
  );
  const update = db.prepare("UPDATE user_intents SET text = ?, framing = ?, updated_at = ? WHERE pk = ?");
  const cancel = db.prepare(
    "UPDATE user_intents SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE pk = ? AND status = 'active'",
  );

  return {
    insert(i: {
      id: string;
      ownerUserId: string;
      text: string;
      framing: string | undefined;
      at: string;
    }): UserIntentRecord {
      const pk = Number(insert.run(i.id, i.ownerUserId, i.text, i.framing ?? null, i.at, i.at).lastInsertRowid);
      return toRecord(byPk.get(pk)!);
    },
    get(id: string): UserIntentRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    /** The owner's active intent with exactly this text and framing, if any. */
    findActiveSame(ownerUserId: string, text: string, framing: string | undefined): UserIntentRecord | undefined {
      const r = same.get(ownerUserId, text, framing ?? null);
      return r && toRecord(r);
    },
    update(pk: number, text: string, framing: string | undefined, at: string): UserIntentRecord {
      update.run(text, framing ?? null, at, pk);
      return toRecord(byPk.get(pk)!);
    },
    cancel(pk: number, at: string): UserIntentRecord {
      cancel.run(at, at, pk);
      return toRecord(byPk.get(pk)!);
    },
  };
};
export type UserIntents = ReturnType<typeof makeUserIntents>;
