import type { Sql } from "./sql.ts";

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
  return {
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
