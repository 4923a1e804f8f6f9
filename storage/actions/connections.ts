import type { Connection, ConnectionId, UserId } from "../../protocol/index.ts";
import type { Db } from "../db.ts";

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
export const makeConnections = (db: Db) => {
  const insert = db.prepare("INSERT INTO connections (id, type, created_by, created_at) VALUES (?, ?, ?, ?)");
  const addMember = db.prepare("INSERT INTO connection_members (connection_pk, user_id, position) VALUES (?, ?, ?)");
  const byId = db.prepare<[string], ConnectionRow>("SELECT * FROM connections WHERE id = ?");
  const byPk = db.prepare<[number], ConnectionRow>("SELECT * FROM connections WHERE pk = ?");
  const members = db.prepare<[number], { user_id: string }>(
    "SELECT user_id FROM connection_members WHERE connection_pk = ? ORDER BY position",
  );

  const toRecord = (r: ConnectionRow): ConnectionRecord => ({
    pk: r.pk,
    connection: {
      id: r.id as ConnectionId,
      type: r.type,
      userIds: members.all(r.pk).map((m) => m.user_id as UserId),
      createdBy: r.created_by as UserId,
      createdAt: r.created_at,
    },
  });

  return {
    /** A connection whose members are `userIds`, in order. */
    insert(c: {
      id: string;
      type: "direct" | "group";
      createdBy: string;
      userIds: ReadonlyArray<string>;
      at: string;
    }): ConnectionRecord {
      const pk = Number(insert.run(c.id, c.type, c.createdBy, c.at).lastInsertRowid);
      c.userIds.forEach((u, i) => addMember.run(pk, u, i));
      return toRecord(byPk.get(pk)!);
    },
    get(id: string): ConnectionRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    byPk(pk: number): ConnectionRecord {
      return toRecord(byPk.get(pk)!);
    },
  };
};
export type Connections = ReturnType<typeof makeConnections>;
