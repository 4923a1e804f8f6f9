import { PostgresSql, type Sql } from "./sql.ts";

export type PrincipalKind = "agent" | "app" | "user" | "admin";

/** Stored per principal: only the SHA-256 of the token's secret. */
export const makeCredentials = (sql: Sql) => {
  const upsert = sql.prepare(
    `INSERT INTO credentials (principal_id, kind, secret_hash, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (principal_id) DO UPDATE SET kind = excluded.kind, secret_hash = excluded.secret_hash, updated_at = excluded.updated_at`,
  );
  const get = sql.prepare<[string], { kind: PrincipalKind; secret_hash: Buffer }>(
    "SELECT kind, secret_hash FROM credentials WHERE principal_id = ?",
  );
  type StandingRow = { secret_hash: Buffer; status: string | null };
  const standingOne = sql.prepare<[string], StandingRow>(
    `SELECT c.secret_hash, a.status FROM credentials c LEFT JOIN agents a ON a.id = c.principal_id
     WHERE c.principal_id = ?`,
  );
  // Read before every call on PostgreSQL (server/tokens.ts standingOf): the calls of one turn of the
  // event loop read theirs in one statement there (PostgresSql.prepareLookup).
  const standing =
    sql instanceof PostgresSql
      ? sql.prepareLookup<string, StandingRow & { key: string }>(
          `SELECT k.id AS key, c.secret_hash, a.status
           FROM unnest(CAST(? AS text[])) AS k(id) JOIN credentials c ON c.principal_id = k.id
           LEFT JOIN agents a ON a.id = c.principal_id`,
        )
      : (principalId: string) => standingOne.get(principalId);
  return {
    /** The principal's credential, and whether it is a suspended agent, in one read. */
    async standing(principalId: string): Promise<{ secretHash: Buffer; suspended: boolean } | undefined> {
      const r = await standing(principalId);
      return r && { secretHash: r.secret_hash, suspended: r.status === "suspended" };
    },
    async set(principalId: string, kind: PrincipalKind, secretHash: Buffer, at: string): Promise<void> {
      await upsert.run(principalId, kind, secretHash, at);
    },
    async get(principalId: string): Promise<{ kind: PrincipalKind; secretHash: Buffer } | undefined> {
      const r = await get.get(principalId);
      return r && { kind: r.kind, secretHash: r.secret_hash };
    },
  };
};
export type Credentials = ReturnType<typeof makeCredentials>;
