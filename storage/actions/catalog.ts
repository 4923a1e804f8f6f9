import type { AppId, AppManifest } from "../../protocol/index.ts";
import type { Sql } from "../sql.ts";

export interface DeclaringApp {
  readonly appId: AppId;
  readonly appName: string;
  readonly manifest: AppManifest;
}

/** Apps that declared actions: the app-side half of the catalog (section 7.1). */
export const makeCatalog = (sql: Sql) => {
  const declaresActions =
    sql.engine === "sqlite"
      ? "json_type(manifest, '$.actions') = 'array'"
      : "jsonb_typeof(CAST(manifest AS jsonb) -> 'actions') = 'array'";
  const declaring = sql.prepare<[], { id: string; name: string; manifest: string }>(
    `SELECT id, name, manifest FROM apps WHERE ${declaresActions} ORDER BY name`,
  );
  const byName = sql.prepare<[string], { id: string; name: string; manifest: string }>(
    "SELECT id, name, manifest FROM apps WHERE name = ?",
  );
  const toApp = (r: { id: string; name: string; manifest: string }): DeclaringApp => ({
    appId: r.id as AppId,
    appName: r.name,
    manifest: JSON.parse(r.manifest) as AppManifest,
  });
  return {
    declaringApps: async (): Promise<DeclaringApp[]> => (await declaring.all()).map(toApp),
    async appNamed(name: string): Promise<DeclaringApp | undefined> {
      const r = await byName.get(name);
      return r && toApp(r);
    },
  };
};
export type Catalog = ReturnType<typeof makeCatalog>;
