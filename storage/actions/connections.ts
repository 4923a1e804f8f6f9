import type { Connection, ConnectionId, UserId } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

interface ConnectionRow {
  pk: number;
  id: string;
  type: "direct" | "group";
  created_by: string;
  created_at: string;
}

export interface ConnectionRecord {
  readonly pk: number;
  readonly connection: Connection;
}

/** Connections between users (section 7.4); chats are made on top of them and share their members. */
export const makeConnections = (sql: Sql) => {
  const insert = sql.prepare<[string, string, string, string], { pk: number }>(
    "INSERT INTO connections (id, type, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING pk",
  );
  const addMember = sql.prepare<[number, string, number]>(
    "INSERT INTO connection_members (connection_pk, user_id, position) VALUES (?, ?, ?)",
  );
  const byId = sql.prepare<[string], ConnectionRow>("SELECT * FROM connections WHERE id = ?");
  const byPk = sql.prepare<[number], ConnectionRow>("SELECT * FROM connections WHERE pk = ?");
  const members = sql.prepare<[number], { user_id: string }>(
    "SELECT user_id FROM connection_members WHERE connection_pk = ? ORDER BY position",
  );

  const toRecord = async (r: ConnectionRow): Promise<ConnectionRecord> => ({
    pk: r.pk,
    connection: {
      id: r.id as ConnectionId,
      type: r.type,
      userIds: (await members.all(r.pk)).map((m) => m.user_id as UserId),
      createdBy: r.created_by as UserId,
      createdAt: r.created_at,
    },
  });

  return {
    /** A connection whose members are `userIds`, in order. */
    async insert(c: {
      id: string;
      type: "direct" | "group";
      createdBy: string;
      userIds: ReadonlyArray<string>;
      at: string;
    }): Promise<ConnectionRecord> {
      const { pk } = (await insert.get(c.id, c.type, c.createdBy, c.at))!;
      for (const [i, u] of c.userIds.entries()) await addMember.run(pk, u, i);
      return toRecord((await byPk.get(pk))!);
    },
    async get(id: string): Promise<ConnectionRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    async byPk(pk: number): Promise<ConnectionRecord> {
      return toRecord((await byPk.get(pk))!);
    },
  };
};
export type Connections = ReturnType<typeof makeConnections>;
