import { JSONSchema } from "effect";
import type { WireSchema, MethodDef } from "./define.ts";
import { errorTable, type ErrorTag } from "./errors.ts";
import { callbackDefs, methods, notificationDefs } from "./registry.ts";

export const PROTOCOL_VERSION = "1";

type Json = Record<string, unknown>;

/** Errors the dispatcher itself may answer for a method, besides the method's own. */
export const dispatcherErrors = (method: MethodDef): ReadonlyArray<ErrorTag> => [
  "InvalidParams",
  ...(method.callers.includes("anonymous") ? [] : (["Unauthorized"] as const)),
  "RateLimited",
  // Any call that reads or writes storage: the database is unreachable (PostgreSQL, section 11).
  "Unavailable",
];

/**
 * The OpenRPC document (rpc.discover, GET /openrpc.json), generated from the
 * same declarations the hub validates with. Params are listed by name; the
 * whole params object, strict, is also given as `x-params-schema`.
 */
export const buildOpenRpc = (version: string): Json => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {};
  const toJsonSchema = (schema: WireSchema): Json => ({
    ...JSONSchema.fromAST(schema.ast, { definitions, definitionPath: "#/components/schemas/" }),
  });

  const descriptors = (schema: WireSchema, withCursor: boolean) => {
    const object = toJsonSchema(schema);
    const properties = { ...((object.properties as Record<string, Json> | undefined) ?? {}) };
    const required = new Set((object.required as string[] | undefined) ?? []);
    if (withCursor) {
      properties.cursor = { type: "string", description: "This event's cursor in the recipient's event log." };
      required.add("cursor");
    }
    const params = Object.entries(properties).map(([name, s]) => ({ name, required: required.has(name), schema: s }));
    return { params, object };
  };
  const errors = (tags: ReadonlyArray<ErrorTag>) =>
    [...new Set(tags)].map((tag) => ({ code: errorTable[tag].code, message: errorTable[tag].message, data: { tag } }));

  const methodEntries = methods.map((m) => {
    const { params, object } = descriptors(m.params, false);
    return {
      name: m.name,
      summary: m.summary,
      paramStructure: "by-name",
      params,
      result: { name: "result", schema: toJsonSchema(m.result) },
      errors: errors([...m.errors, ...dispatcherErrors(m)]),
      "x-params-schema": object,
      "x-callers": m.callers,
      ...(m.socketOnly ? { "x-socket-only": true } : {}),
    };
  });
  const notificationEntries = notificationDefs.map((n) => ({
    name: n.name,
    summary: n.summary,
    params: descriptors(n.params, n.logged).params,
    "x-logged": n.logged,
  }));
  const callbackEntries = callbackDefs.map((c) => {
    const { params, object } = descriptors(c.params, false);
    return {
      name: c.name,
      summary: c.summary,
      paramStructure: "by-name",
      params,
      result: { name: "result", schema: toJsonSchema(c.result) },
      errors: errors(c.errors),
      "x-params-schema": object,
    };
  });

  return loadable({
    openrpc: "1.3.2",
    info: {
      title: "Switchboard",
      version,
      description: `Switchboard hub, wire protocol version ${PROTOCOL_VERSION}: JSON-RPC 2.0 over one WebSocket (GET /ws) or POST /rpc.`,
    },
    methods: methodEntries,
    components: { schemas: definitions },
    "x-notifications": notificationEntries,
    "x-callbacks": callbackEntries,
    "x-errors": errors(Object.keys(errorTable) as ErrorTag[]),
  });
};

/** Keywords that only annotate: they may stay beside a $ref. */
const ANNOTATION_KEYS = new Set(["$ref", "description", "title", "examples", "default", "$comment"]);

/**
 * Make the document loadable by JSON Schema tools as one unit (issue 9):
 * Effect gives every Schema.Unknown the same `$id` ("/schemas/unknown", 15
 * times), which tools refuse as a duplicate, so `$id`s are dropped (nothing
 * refers to them); draft-07 ignores keywords beside `$ref`, so a `$ref`
 * with bounds next to it becomes `allOf: [{$ref}]` beside those bounds; and
 * an integer without bounds gets the safe-integer ones the hub enforces.
 */
const loadable = <T>(value: T): T => {
  if (Array.isArray(value)) return value.map(loadable) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== "$id") out[k] = loadable(v);
  // Effect's Int is a safe integer; JSON Schema's "integer" alone also allows 2^60, which the hub refuses.
  if (out.type === "integer") {
    out.minimum ??= -Number.MAX_SAFE_INTEGER;
    out.maximum ??= Number.MAX_SAFE_INTEGER;
  }
  if (typeof out.$ref === "string" && Object.keys(out).some((k) => !ANNOTATION_KEYS.has(k))) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest } as T;
  }
  return out as T;
};
