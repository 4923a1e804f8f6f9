import type { Circle, CircleId, UserId } from "../../protocol/index.ts";
import type { Db } from "../db.ts";

interface CircleRow {
  pk: number;
  id: string;
  name: string;
  kind: "recurring" | "group";
  schedule: string | null;
  owner_user_id: string;
  created_at: string;
  member_count: number;
}

export interface CircleRecord {
  readonly pk: number;
  readonly circle: Circle;
}

const toRecord = (r: CircleRow): CircleRecord => ({
  pk: r.pk,
  circle: {
    id: r.id as CircleId,
    name: r.name,
    kind: r.kind,
    ...(r.schedule !== null ? { schedule: r.schedule } : {}),
    ownerUserId: r.owner_user_id as UserId,
    memberCount: r.member_count,
    createdAt: r.created_at,
  },
});

const SELECT = `SELECT c.*, (SELECT count(*) FROM circle_members m WHERE m.circle_pk = c.pk) AS member_count
  FROM circles c`;

/** Circles and their members (section 7.4); the creator owns the circle and is its first member. */
export const makeCircles = (db: Db) => {
  const insert = db.prepare(
    "INSERT INTO circles (id, name, kind, schedule, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const byId = db.prepare<[string], CircleRow>(`${SELECT} WHERE c.id = ?`);
  const byPk = db.prepare<[number], CircleRow>(`${SELECT} WHERE c.pk = ?`);
  const join = db.prepare("INSERT OR IGNORE INTO circle_members (circle_pk, user_id, joined_at) VALUES (?, ?, ?)");
  const leave = db.prepare("DELETE FROM circle_members WHERE circle_pk = ? AND user_id = ?");
  const isMember = db.prepare<[number, string], { one: number }>(
    "SELECT 1 AS one FROM circle_members WHERE circle_pk = ? AND user_id = ?",
  );
  const members = db.prepare<[number], { user_id: string }>(
    "SELECT user_id FROM circle_members WHERE circle_pk = ? ORDER BY joined_at, user_id",
  );

  return {
    insert(c: {
      id: string;
      name: string;
      kind: "recurring" | "group";
      schedule: string | undefined;
      ownerUserId: string;
      at: string;
    }): CircleRecord {
      const pk = Number(insert.run(c.id, c.name, c.kind, c.schedule ?? null, c.ownerUserId, c.at).lastInsertRowid);
      join.run(pk, c.ownerUserId, c.at);
      return toRecord(byPk.get(pk)!);
    },
    get(id: string): CircleRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    byPk: (pk: number): CircleRecord => toRecord(byPk.get(pk)!),
    isMember: (pk: number, userId: string): boolean => isMember.get(pk, userId) !== undefined,
    members: (pk: number): UserId[] => members.all(pk).map((m) => m.user_id as UserId),
    /** Add a member; false when already one. */
    join: (pk: number, userId: string, at: string): boolean => join.run(pk, userId, at).changes > 0,
    /** Remove a member; false when not one. */
    leave: (pk: number, userId: string): boolean => leave.run(pk, userId).changes > 0,
  };
};
export type Circles = ReturnType<typeof makeCircles>;
