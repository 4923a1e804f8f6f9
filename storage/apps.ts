import type { App, AppId, AppManifest } from "../protocol/index.ts";
import type { TxCaches } from "./cache.ts";
import type { Sql } from "./sql.ts";

export const DEFAULT_APP_ID = "app_default" as AppId;

interface AppRow {
  id: string;
  name: string;
  scopes: string;
  capabilities: string;
  manifest: string;
  created_at: string;
}

export interface AppRecord {
  readonly app: App;
  readonly manifest: AppManifest;
}

const toRecord = (r: AppRow): AppRecord => ({
  app: {
    id: r.id as AppId,
    name: r.name,
    scopes: JSON.parse(r.scopes) as string[],
    capabilities: JSON.parse(r.capabilities) as string[],
    createdAt: r.created_at,
  },
  manifest: JSON.parse(r.manifest) as AppManifest,
});

export const makeApps = (sql: Sql, caches: TxCaches) => {
  // Apps are read on every send (is there a message hook?) and change rarely.
  const records = caches.map<string, AppRecord>(10_000);
  const insert = sql.prepare<[string, string, string, string, string, string]>(
    "INSERT INTO apps (id, name, scopes, capabilities, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  // Several nodes may start at once: the first insert wins and the others change nothing.
  const ensureDefault = sql.prepare<[string, string, string, string, string, string]>(
    "INSERT INTO apps (id, name, scopes, capabilities, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const byId = sql.prepare<[string], AppRow>("SELECT * FROM apps WHERE id = ?");
  const byName = sql.prepare<[string], { id: string }>("SELECT id FROM apps WHERE name = ?");
  const setManifest = sql.prepare("UPDATE apps SET manifest = ? WHERE id = ?");
  const list = sql.prepare<[string, number], AppRow>("SELECT * FROM apps WHERE id > ? ORDER BY id LIMIT ?");

  return {
    async insert(a: {
      id: string;
      name: string;
      scopes: ReadonlyArray<string>;
      capabilities: ReadonlyArray<string>;
      manifest: AppManifest;
      createdAt: string;
    }): Promise<AppRecord> {
      await insert.run(
        a.id,
        a.name,
        JSON.stringify(a.scopes),
        JSON.stringify(a.capabilities),
        JSON.stringify(a.manifest),
        a.createdAt,
      );
      records.delete(a.id);
      return toRecord((await byId.get(a.id))!);
    },
    /** The app and its manifest; the record is shared, so callers must not change it. */
    async get(id: string): Promise<AppRecord | undefined> {
      const cached = records.get(id);
      if (cached) return cached;
      const r = await byId.get(id);
      return r && records.set(id, toRecord(r));
    },
    nameTaken: async (name: string): Promise<boolean> => (await byName.get(name)) !== undefined,
    /** Every app, by id, after `afterId`. */
    list: async (afterId: string, limit: number): Promise<App[]> =>
      (await list.all(afterId, limit)).map((r) => toRecord(r).app),
    idOf: async (name: string): Promise<string | undefined> => (await byName.get(name))?.id,
    async setManifest(id: string, manifest: AppManifest): Promise<void> {
      records.delete(id);
      await setManifest.run(JSON.stringify(manifest), id);
    },
    /** The built-in app that accepts every task and forwards every message. */
    async ensureDefault(createdAt: string): Promise<void> {
      await ensureDefault.run(DEFAULT_APP_ID, "default", "[]", "[]", "{}", createdAt);
    },
  };
};
export type Apps = ReturnType<typeof makeApps>;
