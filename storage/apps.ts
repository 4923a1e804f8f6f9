import type { App, AppId, AppManifest } from "../protocol/index.ts";
import type { TxCaches } from "./cache.ts";
import type { Db } from "./db.ts";

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

export const makeApps = (db: Db, caches: TxCaches) => {
  // Apps are read on every send (is there a message hook?) and change rarely.
  const records = caches.map<string, AppRecord>(10_000);
  const insert = db.prepare(
    "INSERT INTO apps (id, name, scopes, capabilities, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const byId = db.prepare<[string], AppRow>("SELECT * FROM apps WHERE id = ?");
  const byName = db.prepare<[string], { id: string }>("SELECT id FROM apps WHERE name = ?");
  const setManifest = db.prepare("UPDATE apps SET manifest = ? WHERE id = ?");

  return {
    insert(a: {
      id: string;
      name: string;
      scopes: ReadonlyArray<string>;
      capabilities: ReadonlyArray<string>;
      manifest: AppManifest;
      createdAt: string;
    }): AppRecord {
      insert.run(
        a.id,
        a.name,
        JSON.stringify(a.scopes),
        JSON.stringify(a.capabilities),
        JSON.stringify(a.manifest),
        a.createdAt,
      );
      records.delete(a.id);
      return toRecord(byId.get(a.id)!);
    },
    /** The app and its manifest; the record is shared, so callers must not change it. */
    get(id: string): AppRecord | undefined {
      const cached = records.get(id);
      if (cached) return cached;
      const r = byId.get(id);
      return r && records.set(id, toRecord(r));
    },
    nameTaken: (name: string): boolean => byName.get(name) !== undefined,
    idOf: (name: string): string | undefined => byName.get(name)?.id,
    setManifest(id: string, manifest: AppManifest): void {
      records.delete(id);
      setManifest.run(JSON.stringify(manifest), id);
    },
    /** The built-in app that accepts every task and forwards every message. */
    ensureDefault(createdAt: string): void {
      if (!byId.get(DEFAULT_APP_ID)) {
        insert.run(DEFAULT_APP_ID, "default", "[]", "[]", "{}", createdAt);
      }
    },
  };
};
export type Apps = ReturnType<typeof makeApps>;
