import { readFileSync } from "node:fs";
import protobuf from "protobufjs";

/**
 * The JSON Schema (2020-12) of an A2A 1.0 message, derived from the
 * normative a2a.proto (test/a2a/spec) the way the specification's own
 * a2a.json is generated from it: ProtoJSON field names (camelCase), enums by
 * name, fields marked REQUIRED required (non-empty for strings and lists),
 * proto3 oneofs holding at most one member, and no field the proto does not
 * declare.
 */
type JsonSchema = Record<string, unknown>;

const PACKAGE = "lf.a2a.v1";
const root = protobuf.parse(readFileSync(new URL("./spec/a2a.proto", import.meta.url), "utf8")).root;

const wellKnown: Record<string, JsonSchema> = {
  "google.protobuf.Struct": { type: "object" },
  "google.protobuf.Value": {},
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Empty": { type: "object", maxProperties: 0 },
};

const scalars: Record<string, JsonSchema> = {
  string: { type: "string" },
  bytes: { type: "string", contentEncoding: "base64" },
  bool: { type: "boolean" },
  int32: { type: "integer" },
  int64: { type: "string", pattern: "^-?[0-9]+$" },
  double: { type: "number" },
};

const defs: Record<string, JsonSchema> = {};

const typeSchema = (type: string, parent: protobuf.Type): JsonSchema => {
  if (scalars[type]) return scalars[type];
  if (wellKnown[type]) return wellKnown[type];
  const found = parent.lookup(type);
  if (found instanceof protobuf.Enum) {
    return { type: "string", enum: Object.keys(found.values) };
  }
  if (found instanceof protobuf.Type) {
    define(found);
    return { $ref: `#/$defs/${found.name}` };
  }
  throw new Error(`a2a.proto: unknown type ${type}`);
};

const define = (t: protobuf.Type): void => {
  if (defs[t.name]) return;
  defs[t.name] = {}; // placeholder against recursion
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const f of t.fieldsArray) {
    const isRequired = f.options?.["(google.api.field_behavior)"] === "REQUIRED";
    let s = typeSchema(f.type, t);
    if (f.map) s = { type: "object", additionalProperties: s };
    else if (f.repeated) s = { type: "array", items: s, ...(isRequired ? { minItems: 1 } : {}) };
    else if (isRequired && f.type === "string") s = { ...s, minLength: 1 };
    properties[f.name] = s;
    if (isRequired) required.push(f.name);
  }
  const oneofs = Object.values(t.oneofs ?? {}).filter((o) => !o.name.startsWith("_"));
  const atMostOne = oneofs.flatMap((o) =>
    o.oneof.flatMap((a, i) => o.oneof.slice(i + 1).map((b) => ({ required: [a, b] }))),
  );
  defs[t.name] = {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
    ...(atMostOne.length > 0 ? { not: { anyOf: atMostOne } } : {}),
  };
};

/** The schema of `lf.a2a.v1.<name>`, with every message it uses under $defs. */
export const a2aSchema = (name: string): JsonSchema => {
  define(root.lookupType(`${PACKAGE}.${name}`));
  return { $schema: "https://json-schema.org/draft/2020-12/schema", $ref: `#/$defs/${name}`, $defs: { ...defs } };
};
