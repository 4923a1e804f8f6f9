import type { App, AppId, AppManifest } from "../protocol/index.ts";
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

export const makeApps = (db: Db) => {
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
      return toRecord(byId.get(a.id)!);
    },
    get(id: string): AppRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    nameTaken: (name: string): boolean => byName.get(name) !== undefined,
    setManifest(id: string, manifest: AppManifest): void {
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
