import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { AppId } from "../shapes.ts";
import { checkJsonSchema } from "./json-schema.ts";

/** Section 7.1: who may invoke an action, and what it touches. */
export const Permission = Schema.Literal("allowed", "confirmation_required", "forbidden").annotations({
  identifier: "Permission",
});
export type Permission = typeof Permission.Type;

export const SideEffects = Schema.Literal("none", "local", "external", "destructive").annotations({
  identifier: "SideEffects",
});
export type SideEffects = typeof SideEffects.Type;

export const Permissions = Schema.Struct({ user: Permission, agent: Permission }).annotations({
  identifier: "Permissions",
});
export type Permissions = typeof Permissions.Type;

export const ActionMetadata = Schema.Struct({
  agent_visible: Schema.optional(Schema.Boolean),
  agent_only: Schema.optional(Schema.Boolean),
}).annotations({ identifier: "ActionMetadata" });
export type ActionMetadata = typeof ActionMetadata.Type;

/** A JSON Schema document; app-declared ones use the subset of `json-schema.ts`. */
export const JsonSchemaDoc = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "JsonSchema",
  description: "A JSON Schema (draft-07 keywords; app-declared schemas use the subset the hub enforces).",
});
export type JsonSchemaDoc = typeof JsonSchemaDoc.Type;

/** Reserved action ids (section 7.1): catalog entries with these local ids carry `standard: true`. */
export const standardActionIds = ["play", "pause", "stop", "seek", "next", "previous", "search", "refresh"] as const;
export const isStandardActionId = (id: string): boolean => (standardActionIds as ReadonlyArray<string>).includes(id);

/** The scope every action invocation by an app needs (section 7.2 step 4). */
export const ACTIONS_INVOKE_SCOPE = "actions.invoke";

/** An app's own id for an action, before the `<appName>.` namespace is put in front. */
export const ActionLocalId = Schema.String.pipe(
  maxLength(100),
  Schema.pattern(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
    message: () => "action ids are letters, digits, _ and -, in dot-separated words (e.g. play or media.seek)",
  }),
).annotations({ identifier: "ActionLocalId" });

/** What an app may not declare: agents let loose on destructive actions, contradictory metadata, unenforceable schemas. */
const declarationIssues = (d: {
  readonly permissions: Permissions;
  readonly side_effects: SideEffects;
  readonly metadata?: ActionMetadata | undefined;
  readonly schema: { readonly input: JsonSchemaDoc; readonly output: JsonSchemaDoc };
}): Schema.FilterIssue[] => {
  const issues: Schema.FilterIssue[] = [];
  if (d.side_effects === "destructive" && d.permissions.agent === "allowed") {
    issues.push({
      path: ["permissions", "agent"],
      message: 'a destructive action must be "forbidden" or "confirmation_required" for agents',
    });
  }
  if (d.metadata?.agent_only === true && d.metadata.agent_visible === false) {
    issues.push({ path: ["metadata"], message: "an action cannot be agent_only and hidden from agents at once" });
  }
  if (d.schema.input.type !== "object") {
    issues.push({
      path: ["schema", "input", "type"],
      message: 'the input schema must have type "object": action params are always an object',
    });
  }
  for (const side of ["input", "output"] as const) {
    for (const issue of checkJsonSchema(d.schema[side], ["schema", side])) issues.push(issue);
  }
  return issues;
};

/** An action as an app declares it (section 7.1), in `app/manifest/update` or the manifest of `admin/app/create`. */
export const ActionDeclaration = Schema.Struct({
  id: ActionLocalId,
  type: Schema.Literal("action"),
  name: Schema.String.pipe(minLength(1), maxLength(200)),
  description: Schema.String.pipe(maxLength(4000)),
  permissions: Permissions,
  side_effects: SideEffects,
  schema: Schema.Struct({ input: JsonSchemaDoc, output: JsonSchemaDoc }),
  metadata: Schema.optional(ActionMetadata),
})
  .pipe(Schema.filter(declarationIssues))
  .annotations({ identifier: "ActionDeclaration" });
export type ActionDeclaration = typeof ActionDeclaration.Type;

export const ActionDeclarations = Schema.Array(ActionDeclaration).pipe(
  Schema.maxItems(100),
  Schema.filter((list) => {
    const seen = new Set<string>();
    const issues: Schema.FilterIssue[] = [];
    list.forEach((d, i) => {
      if (seen.has(d.id)) issues.push({ path: [i, "id"], message: `the id ${d.id} is declared twice` });
      seen.add(d.id);
    });
    return issues;
  }),
);

/**
 * A catalog entry as `actions/list` shows it: the declaration of 7.1 with its
 * wire id (`<appName>.<id>` for app actions), `standard`, the capability an
 * app needs to invoke it, and the app that serves it.
 */
export const CatalogEntry = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("action"),
  name: Schema.String,
  description: Schema.String,
  permissions: Permissions,
  side_effects: SideEffects,
  schema: Schema.Struct({ input: JsonSchemaDoc, output: JsonSchemaDoc }),
  metadata: Schema.optional(ActionMetadata),
  standard: Schema.Boolean,
  capability: Schema.String,
  appId: Schema.optional(AppId),
}).annotations({ identifier: "CatalogEntry" });
export type CatalogEntry = typeof CatalogEntry.Type;

/** The wire id and the capability of an app-declared action: both `<appName>.<id>`. */
export const appActionId = (appName: string, localId: string): string => `${appName}.${localId}`;

/** Whether a principal type sees an entry (section 7.1, seed 003 "Agent Visibility"). */
export const visibleTo = (
  metadata: ActionMetadata | undefined,
  invokerType: "agent" | "app" | "user" | "admin",
): boolean => (invokerType === "agent" ? metadata?.agent_visible !== false : metadata?.agent_only !== true);

/** The agent permission built-ins get (section 7.4): local ones run, external ones need the user's confirmation. */
export const builtinPermissions = (sideEffects: "local" | "external"): Permissions => ({
  user: "allowed",
  agent: sideEffects === "local" ? "allowed" : "confirmation_required",
});
