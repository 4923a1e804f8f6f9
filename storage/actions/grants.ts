import type { AppId, Grant, GrantId, GrantSubjectType } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

interface GrantRow {
  pk: number;
  id: string;
  app_id: string;
  subject_type: GrantSubjectType;
  subject_id: string;
  scope: string;
  capabilities: string;
  execution_mode: "executable" | "modeled_only";
  status: "active" | "revoked";
  created_at: string;
  revoked_at: string | null;
}

const toGrant = (r: GrantRow): Grant => ({
  id: r.id as GrantId,
  appId: r.app_id as AppId,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  scope: r.scope,
  capabilities: JSON.parse(r.capabilities) as string[],
  executionMode: r.execution_mode,
  status: r.status,
  createdAt: r.created_at,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
});

export interface GrantRecord {
  readonly pk: number;
  readonly grant: Grant;
}

const toRecord = (r: GrantRow): GrantRecord => ({ pk: r.pk, grant: toGrant(r) });

/**
 * Delegated grants (section 7.3). Only `user` grants are `executable`; the
 * table's CHECK keeps it so. Checks read the rows each time, so a revocation
 * counts from the transaction that commits it.
 */
export const makeGrants = (sql: Sql) => {
  const capabilityOf =
    sql.engine === "sqlite"
      ? "SELECT 1 FROM json_each(capabilities) WHERE value = ?"
      : "SELECT 1 FROM jsonb_array_elements_text(CAST(capabilities AS jsonb)) AS c(value) WHERE value = ?";
  const insert = sql.prepare<[string, string, string, string, string, string, string, string]>(
    `INSERT INTO grants (id, app_id, subject_type, subject_id, scope, capabilities, execution_mode, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)`,
  );
  const byId = sql.prepare<[string], GrantRow>("SELECT * FROM grants WHERE id = ?");
  const revoke = sql.prepare<[string, string]>(
    "UPDATE grants SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'",
  );
  const forApp = sql.prepare<[string, number, number], GrantRow>(
    "SELECT * FROM grants WHERE app_id = ? AND pk < ? ORDER BY pk DESC LIMIT ?",
  );
  const fromUser = sql.prepare<[string, number, number], GrantRow>(
    "SELECT * FROM grants WHERE subject_type = 'user' AND subject_id = ? AND pk < ? ORDER BY pk DESC LIMIT ?",
  );
  const userGrantWith = sql.prepare<[string, string, string, string], { one: number }>(
    `SELECT 1 AS one FROM grants WHERE app_id = ? AND subject_type = 'user' AND subject_id = ? AND status = 'active'
     AND scope = ? AND EXISTS (${capabilityOf}) LIMIT 1`,
  );
  const modeledWith = sql.prepare<[string, string, string], { one: number }>(
    `SELECT 1 AS one FROM grants WHERE app_id = ? AND subject_type <> 'user' AND status = 'active'
     AND scope = ? AND EXISTS (${capabilityOf}) LIMIT 1`,
  );
  const activeUser = sql.prepare<[string, number], GrantRow>(
    "SELECT * FROM grants WHERE app_id = ? AND subject_type = 'user' AND status = 'active' ORDER BY pk DESC LIMIT ?",
  );
  const activeUserFrom = sql.prepare<[string, string], GrantRow>(
    `SELECT * FROM grants WHERE app_id = ? AND subject_type = 'user' AND subject_id = ? AND status = 'active'
     ORDER BY pk DESC`,
  );
  const activeModeled = sql.prepare<[string], GrantRow>(
    "SELECT * FROM grants WHERE app_id = ? AND subject_type <> 'user' AND status = 'active' ORDER BY pk DESC",
  );

  return {
    async insert(g: {
      id: string;
      appId: string;
      subjectType: GrantSubjectType;
      subjectId: string;
      scope: string;
      capabilities: ReadonlyArray<string>;
      createdAt: string;
    }): Promise<Grant> {
      const mode = g.subjectType === "user" ? "executable" : "modeled_only";
      await insert.run(
        g.id,
        g.appId,
        g.subjectType,
        g.subjectId,
        g.scope,
        JSON.stringify(g.capabilities),
        mode,
        g.createdAt,
      );
      return toGrant((await byId.get(g.id))!);
    },
    async get(id: string): Promise<Grant | undefined> {
      const r = await byId.get(id);
      return r && toGrant(r);
    },
    /** Revoke an active grant; false when it was not active. */
    revoke: async (id: string, at: string): Promise<boolean> => (await revoke.run(at, id)) > 0,
    /** The app's grants, newest first, below the keyset `beforePk`. */
    listForApp: async (appId: string, beforePk: number, limit: number): Promise<GrantRecord[]> =>
      (await forApp.all(appId, beforePk, limit)).map(toRecord),
    /** The grants a user gave, newest first. */
    listFromUser: async (userId: string, beforePk: number, limit: number): Promise<GrantRecord[]> =>
      (await fromUser.all(userId, beforePk, limit)).map(toRecord),
    /** An active, executable grant from the user to the app covering the capability. */
    userGrantCovers: async (appId: string, userId: string, scope: string, capability: string): Promise<boolean> =>
      (await userGrantWith.get(appId, userId, scope, capability)) !== undefined,
    /** An active modeled-only (non-user) grant to the app covering the capability. */
    modeledGrantCovers: async (appId: string, scope: string, capability: string): Promise<boolean> =>
      (await modeledWith.get(appId, scope, capability)) !== undefined,
    /** Active user grants of the app: from one user, or (newest first, up to `limit`) from any. */
    activeUserGrants: async (appId: string, userId: string | undefined, limit: number): Promise<Grant[]> =>
      (userId === undefined ? await activeUser.all(appId, limit) : await activeUserFrom.all(appId, userId)).map(
        toGrant,
      ),
    activeModeledGrants: async (appId: string): Promise<Grant[]> => (await activeModeled.all(appId)).map(toGrant),
  };
};
export type Grants = ReturnType<typeof makeGrants>;
