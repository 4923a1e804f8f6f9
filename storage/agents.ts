import type { Agent, AgentCard, AgentId, UserId } from "../protocol/index.ts";
import type { Db } from "./db.ts";

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

export const makeAgents = (db: Db) => {
  const columns = "id, name, display_name, owner_user_id, status, card, created_at";
  const insert = db.prepare(
    "INSERT INTO agents (id, name, display_name, owner_user_id, status, created_at) VALUES (?, ?, ?, ?, 'active', ?)",
  );
  const byId = db.prepare<[string], AgentRow>(`SELECT ${columns} FROM agents WHERE id = ?`);
  const byName = db.prepare<[string], { id: string }>("SELECT id FROM agents WHERE name = ?");
  const existing = db.prepare<[string], { id: string }>(
    "SELECT id FROM agents WHERE id IN (SELECT value FROM json_each(?))",
  );
  const setStatus = db.prepare("UPDATE agents SET status = ? WHERE id = ?");
  const setCard = db.prepare("UPDATE agents SET card = ? WHERE id = ?");
  const cardsOf = db.prepare<[string], { id: string; card: string | null }>(
    "SELECT id, card FROM agents WHERE id IN (SELECT value FROM json_each(?))",
  );
  // Named parameters: better-sqlite3 binds positional arguments to `?` only, never to `?NNN`.
  const list = db.prepare<[{ after: string; query: string; like: string; limit: number }], AgentRow>(
    `SELECT ${columns} FROM agents
     WHERE name > @after AND (@query = '' OR name LIKE @like ESCAPE '\\' OR display_name LIKE @like ESCAPE '\\')
     ORDER BY name LIMIT @limit`,
  );

  return {
    insert(a: {
      id: string;
      name: string;
      displayName?: string | undefined;
      ownerUserId?: string | undefined;
      createdAt: string;
    }): Agent {
      insert.run(a.id, a.name, a.displayName ?? null, a.ownerUserId ?? null, a.createdAt);
      return toAgent(byId.get(a.id)!);
    },
    get(id: string): Agent | undefined {
      const r = byId.get(id);
      return r && toAgent(r);
    },
    nameTaken: (name: string): boolean => byName.get(name) !== undefined,
    /** The ids among `ids` that name no agent, in the order given. */
    missing(ids: ReadonlyArray<string>): string[] {
      if (ids.length === 0) return [];
      const found = new Set(existing.all(JSON.stringify(ids)).map((r) => r.id));
      return [...new Set(ids)].filter((id) => !found.has(id));
    },
    setStatus(id: string, status: "active" | "suspended"): Agent | undefined {
      setStatus.run(status, id);
      return this.get(id);
    },
    setCard(id: string, card: AgentCard): void {
      setCard.run(JSON.stringify(card), id);
    },
    getWithCard(id: string): AgentWithCard | undefined {
      const r = byId.get(id);
      return r && withCard(r);
    },
    /** Cards of the given agents; agents without a card map to null. */
    cards(ids: ReadonlyArray<string>): Map<string, AgentCard | null> {
      return new Map(
        cardsOf.all(JSON.stringify(ids)).map((r) => [r.id, r.card === null ? null : (JSON.parse(r.card) as AgentCard)]),
      );
    },
    /** The directory, by name, after `afterName`; `query` matches name or display name. */
    list(query: string, afterName: string, limit: number): AgentWithCard[] {
      const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return list.all({ after: afterName, query, like, limit }).map(withCard);
    },
  };
};
export type Agents = ReturnType<typeof makeAgents>;
