import type { Circle, CircleId, UserId } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

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
export const makeCircles = (sql: Sql) => {
  const insert = sql.prepare<[string, string, string, string | null, string, string], { pk: number }>(
    "INSERT INTO circles (id, name, kind, schedule, owner_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING pk",
  );
  const byId = sql.prepare<[string], CircleRow>(`${SELECT} WHERE c.id = ?`);
  const byPk = sql.prepare<[number], CircleRow>(`${SELECT} WHERE c.pk = ?`);
  const join = sql.prepare<[number, string, string]>(
    "INSERT INTO circle_members (circle_pk, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const leave = sql.prepare<[number, string]>("DELETE FROM circle_members WHERE circle_pk = ? AND user_id = ?");
  const isMember = sql.prepare<[number, string], { one: number }>(
    "SELECT 1 AS one FROM circle_members WHERE circle_pk = ? AND user_id = ?",
  );
  const members = sql.prepare<[number], { user_id: string }>(
    "SELECT user_id FROM circle_members WHERE circle_pk = ? ORDER BY joined_at, user_id",
  );

  return {
    async insert(c: {
      id: string;
      name: string;
      kind: "recurring" | "group";
      schedule: string | undefined;
      ownerUserId: string;
      at: string;
    }): Promise<CircleRecord> {
      const { pk } = (await insert.get(c.id, c.name, c.kind, c.schedule ?? null, c.ownerUserId, c.at))!;
      await join.run(pk, c.ownerUserId, c.at);
      return toRecord((await byPk.get(pk))!);
    },
    async get(id: string): Promise<CircleRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    byPk: async (pk: number): Promise<CircleRecord> => toRecord((await byPk.get(pk))!),
    isMember: async (pk: number, userId: string): Promise<boolean> => (await isMember.get(pk, userId)) !== undefined,
    members: async (pk: number): Promise<UserId[]> => (await members.all(pk)).map((m) => m.user_id as UserId),
    /** Add a member; false when already one. */
    join: async (pk: number, userId: string, at: string): Promise<boolean> => (await join.run(pk, userId, at)) > 0,
    /** Remove a member; false when not one. */
    leave: async (pk: number, userId: string): Promise<boolean> => (await leave.run(pk, userId)) > 0,
  };
};
export type Circles = ReturnType<typeof makeCircles>;
