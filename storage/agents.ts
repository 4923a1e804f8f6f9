import type { Agent, AgentCard, AgentId, UserId } from "../protocol/index.ts";
import { jsonEach, type Sql } from "./sql.ts";

interface AgentRow {
  id: string;
  name: string;
  display_name: string | null;
  owner_user_id: string | null;
  status: "active" | "suspended";
  card: string | null;
  created_at: string;
}

export const toAgent = (r: AgentRow): Agent => ({
  id: r.id as AgentId,
  name: r.name,
  ...(r.display_name !== null ? { displayName: r.display_name } : {}),
  ...(r.owner_user_id !== null ? { ownerUserId: r.owner_user_id as UserId } : {}),
  status: r.status,
  did: `did:switchboard:${r.id}`,
  createdAt: r.created_at,
});

export interface AgentWithCard {
  readonly agent: Agent;
  readonly card: AgentCard | null;
}

const withCard = (r: AgentRow): AgentWithCard => ({
  agent: toAgent(r),
  card: r.card === null ? null : (JSON.parse(r.card) as AgentCard),
});

export const makeAgents = (sql: Sql) => {
  const columns = "id, name, display_name, owner_user_id, status, card, created_at";
  const insert = sql.prepare(
    "INSERT INTO agents (id, name, display_name, owner_user_id, status, created_at) VALUES (?, ?, ?, ?, 'active', ?)",
  );
  const byId = sql.prepare<[string], AgentRow>(`SELECT ${columns} FROM agents WHERE id = ?`);
  const byName = sql.prepare<[string], { id: string }>("SELECT id FROM agents WHERE name = ?");
  const existing = sql.prepare<[string], { id: string }>(
    `SELECT id FROM agents WHERE id IN (SELECT value FROM ${jsonEach(sql)})`,
  );
  const setStatus = sql.prepare("UPDATE agents SET status = ? WHERE id = ?");
  const setCard = sql.prepare("UPDATE agents SET card = ? WHERE id = ?");
  const cardsOf = sql.prepare<[string], { id: string; card: string | null }>(
    `SELECT id, card FROM agents WHERE id IN (SELECT value FROM ${jsonEach(sql)})`,
  );
  // after, query, like (twice), limit
  const list = sql.prepare<[string, string, string, string, number], AgentRow>(
    `SELECT ${columns} FROM agents
     WHERE name > ? AND (CAST(? AS TEXT) = '' OR name LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\')
     ORDER BY name LIMIT ?`,
  );

  return {
    async insert(a: {
      id: string;
      name: string;
      displayName?: string | undefined;
      ownerUserId?: string | undefined;
      createdAt: string;
    }): Promise<Agent> {
      await insert.run(a.id, a.name, a.displayName ?? null, a.ownerUserId ?? null, a.createdAt);
      return toAgent((await byId.get(a.id))!);
    },
    async get(id: string): Promise<Agent | undefined> {
      const r = await byId.get(id);
      return r && toAgent(r);
    },
    nameTaken: async (name: string): Promise<boolean> => (await byName.get(name)) !== undefined,
    /** The ids among `ids` that name no agent, in the order given. */
    async missing(ids: ReadonlyArray<string>): Promise<string[]> {
      if (ids.length === 0) return [];
      const found = new Set((await existing.all(JSON.stringify(ids))).map((r) => r.id));
      return [...new Set(ids)].filter((id) => !found.has(id));
    },
    async setStatus(id: string, status: "active" | "suspended"): Promise<Agent | undefined> {
      await setStatus.run(status, id);
      return this.get(id);
    },
    async setCard(id: string, card: AgentCard): Promise<void> {
      await setCard.run(JSON.stringify(card), id);
    },
    async getWithCard(id: string): Promise<AgentWithCard | undefined> {
      const r = await byId.get(id);
      return r && withCard(r);
    },
    /** Cards of the given agents; agents without a card map to null. */
    async cards(ids: ReadonlyArray<string>): Promise<Map<string, AgentCard | null>> {
      return new Map(
        (await cardsOf.all(JSON.stringify(ids))).map((r) => [
          r.id,
          r.card === null ? null : (JSON.parse(r.card) as AgentCard),
        ]),
      );
    },
    /** The directory, by name, after `afterName`; `query` matches name or display name. */
    async list(query: string, afterName: string, limit: number): Promise<AgentWithCard[]> {
      const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return (await list.all(afterName, query, like, like, limit)).map(withCard);
    },
  };
};
export type Agents = ReturnType<typeof makeAgents>;
