import type { AppId, AppManifest } from "../../protocol/index.ts";
import type { Db } from "../db.ts";

export interface DeclaringApp {
  readonly appId: AppId;
  readonly appName: string;
  readonly manifest: AppManifest;
}

/** Apps that declared actions: the app-side half of the catalog (section 7.1). */
export const makeCatalog = (db: Db) => {
  const declaring = db.prepare<[], { id: string; name: string; manifest: string }>(
    "SELECT id, name, manifest FROM apps WHERE json_type(manifest, '$.actions') = 'array' ORDER BY name",
  );
  const byName = db.prepare<[string], { id: string; name: string; manifest: string }>(
    "SELECT id, name, manifest FROM apps WHERE name = ?",
  );
  const toApp = (r: { id: string; name: string; manifest: string }): DeclaringApp => ({
    appId: r.id as AppId,
    appName: r.name,
    manifest: JSON.parse(r.manifest) as AppManifest,
  });
  return {
    declaringApps: (): DeclaringApp[] => declaring.all().map(toApp),
    appNamed(name: string): DeclaringApp | undefined {
      const r = byName.get(name);
      return r && toApp(r);
    },
  };
};
export type Catalog = ReturnType<typeof makeCatalog>;
