import type { User, UserId } from "../protocol/index.ts";
import type { Sql } from "./sql.ts";

interface UserRow {
  id: string;
  name: string;
  created_at: string;
}

const toUser = (r: UserRow): User => ({ id: r.id as UserId, name: r.name, createdAt: r.created_at });

export const makeUsers = (sql: Sql) => {
  const insert = sql.prepare("INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)");
  const byId = sql.prepare<[string], UserRow>("SELECT id, name, created_at FROM users WHERE id = ?");
  return {
    async insert(u: { id: string; name: string; createdAt: string }): Promise<User> {
      await insert.run(u.id, u.name, u.createdAt);
      return toUser((await byId.get(u.id))!);
    },
    async get(id: string): Promise<User | undefined> {
      const r = await byId.get(id);
      return r && toUser(r);
    },
  };
};
export type Users = ReturnType<typeof makeUsers>;
