import { JSONSchema } from "effect";
import {
  appActionId,
  builtinActions,
  builtinPermissions,
  isStandardActionId,
  strictDecoder,
  validateJson,
  visibleTo,
  type ActionDeclaration,
  type AnyBuiltinAction,
  type AppId,
  type CatalogEntry,
  type Decoded,
  type JsonSchemaDoc,
  type WireSchema,
} from "../../protocol/index.ts";
import type { DeclaringApp, Storage } from "../../storage/index.ts";

type Params = Readonly<Record<string, unknown>>;

/** An action found in the catalog, with how to check its params and who runs it. */
export interface ResolvedAction {
  readonly entry: CatalogEntry;
  readonly decode: (params: unknown) => Decoded<Params>;
  readonly source:
    | { readonly kind: "builtin"; readonly def: AnyBuiltinAction }
    | { readonly kind: "app"; readonly appId: AppId; readonly output: JsonSchemaDoc };
}

const jsonSchema = (schema: WireSchema): JsonSchemaDoc => JSONSchema.make(schema) as unknown as JsonSchemaDoc;

const builtinEntry = (def: AnyBuiltinAction): CatalogEntry => ({
  id: def.id,
  type: "action",
  name: def.name,
  description: def.description,
  permissions: builtinPermissions(def.side_effects),
  side_effects: def.side_effects,
  schema: { input: jsonSchema(def.params), output: jsonSchema(def.result) },
  standard: false,
  capability: def.capability,
});

const builtins: ReadonlyMap<string, ResolvedAction> = new Map(
  builtinActions.map((def) => [
    def.id,
    {
      entry: builtinEntry(def),
      decode: strictDecoder(def.params as WireSchema) as (params: unknown) => Decoded<Params>,
      source: { kind: "builtin", def },
    },
  ]),
);

/** Namespaces an app may not declare actions in: the built-in families'. */
export const reservedNamespaces: ReadonlySet<string> = new Set(builtinActions.map((d) => d.id.split(".")[0]!));

/** The catalog entry of an app-declared action: its id and its capability are both `<appName>.<id>`. */
export const appEntry = (appId: AppId, appName: string, d: ActionDeclaration): CatalogEntry => {
  const id = appActionId(appName, d.id);
  return {
    id,
    type: "action",
    name: d.name,
    description: d.description,
    permissions: d.permissions,
    side_effects: d.side_effects,
    schema: d.schema,
    ...(d.metadata !== undefined ? { metadata: d.metadata } : {}),
    standard: isStandardActionId(d.id),
    capability: id,
    appId,
  };
};

const appAction = (app: DeclaringApp, d: ActionDeclaration): ResolvedAction => ({
  entry: appEntry(app.appId, app.appName, d),
  decode: (params) => {
    const issues = validateJson(d.schema.input, params, { closedObjects: true });
    return issues.length === 0 ? { ok: true, value: params as Params } : { ok: false, issues };
  },
  source: { kind: "app", appId: app.appId, output: d.schema.output },
});

/**
 * The catalog of section 7.1: the built-ins, fixed at start, and the actions
 * apps declared, read from their manifests on each use so that an update
 * counts from the transaction that commits it.
 */
export const createCatalog = (storage: Storage) => {
  const apps = storage.actions.catalog;
  return {
    /** What a principal of this type sees, built-ins first, then apps by name. */
    async list(viewer: "agent" | "app" | "user"): Promise<CatalogEntry[]> {
      const all = [...[...builtins.values()].map((b) => b.entry)];
      for (const app of await apps.declaringApps()) {
        for (const d of app.manifest.actions ?? []) all.push(appEntry(app.appId, app.appName, d));
      }
      return all.filter((e) => visibleTo(e.metadata, viewer));
    },
    /** An action by its wire id, visible or not. */
    async resolve(id: string): Promise<ResolvedAction | undefined> {
      const builtin = builtins.get(id);
      if (builtin) return builtin;
      const dot = id.indexOf(".");
      if (dot <= 0) return undefined;
      const app = await apps.appNamed(id.slice(0, dot));
      const localId = id.slice(dot + 1);
      const d = app?.manifest.actions?.find((a) => a.id === localId);
      return app && d ? appAction(app, d) : undefined;
    },
  };
};
export type ActionCatalog = ReturnType<typeof createCatalog>;
