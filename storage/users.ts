import type { User, UserId } from "../protocol/index.ts";
import type { Db } from "./db.ts";

interface UserRow {
  id: string;
  name: string;
  created_at: string;
}

const toUser = (r: UserRow): User => ({ id: r.id as UserId, name: r.name, createdAt: r.created_at });

export const makeUsers = (db: Db) => {
  const insert = db.prepare("INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)");
  const byId = db.prepare<[string], UserRow>("SELECT id, name, created_at FROM users WHERE id = ?");
  return {
    insert(u: { id: string; name: string; createdAt: string }): User {
      insert.run(u.id, u.name, u.createdAt);
      return toUser(byId.get(u.id)!);
    },
    get(id: string): User | undefined {
      const r = byId.get(id);
      return r && toUser(r);
    },
  };
};
export type Users = ReturnType<typeof makeUsers>;
