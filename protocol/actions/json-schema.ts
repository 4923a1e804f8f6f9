/**
 * The JSON Schema subset the hub understands in app-declared actions
 * (section 7.1 `schema: {input, output}`). Built-in actions are validated by
 * their Effect Schemas; an app's actions come as JSON Schema, so the hub
 * checks, at declaration, that every keyword is one it enforces (a schema the
 * hub would only half-check is rejected rather than silently trusted), and
 * validates params and results against it at invocation.
 *
 * Supported: type, enum, const, properties, required, additionalProperties,
 * minProperties, maxProperties, items, minItems, maxItems, uniqueItems,
 * minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, multipleOf, anyOf, oneOf, allOf, not, local $ref
 * (`#/$defs/...`, `#/definitions/...`) and the annotations $schema, $id,
 * $comment, title, description, default, examples, format, deprecated,
 * readOnly, writeOnly. `format` is an annotation only.
 */
export interface JsonIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

type Json = Record<string, unknown>;

const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "format",
  "deprecated",
  "readOnly",
  "writeOnly",
]);
const SCHEMA_KEYWORDS = new Set(["items", "additionalProperties", "not"]);
const SCHEMA_LIST_KEYWORDS = new Set(["anyOf", "oneOf", "allOf"]);
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "$defs", "definitions"]);
const COUNT_KEYWORDS = new Set(["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]);
const NUMBER_KEYWORDS = new Set(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]);
const MAX_DEPTH = 32;
/** Schema objects one declared schema may hold, and alternatives one anyOf/oneOf/allOf may list. */
const MAX_NODES = 1_000;
const MAX_ALTERNATIVES = 32;
const MAX_PATTERN = 256;
/** Schema-node visits one validation may make; past it the value is refused with a clear issue. */
export const VALIDATION_STEPS = 100_000;

/**
 * Patterns run on the hub's thread with a backtracking engine: only forms
 * whose matching time stays near-linear are accepted. Refused: back
 * references, lookaround, and a quantifier on a group that itself holds a
 * quantifier or an alternation (the shapes of catastrophic backtracking).
 */
const unsafePattern = (p: string): string | undefined => {
  if (p.length > MAX_PATTERN) return `patterns may be at most ${MAX_PATTERN} characters`;
  if (/\\[1-9]|\\k<|\(\?[=!]|\(\?<[=!]/.test(p)) return "back references and lookaround are not supported in patterns";
  if (/\([^()]*[*+?}|][^()]*\)[*+?{]/.test(p) || /\)[^()]*\)[*+{]/.test(p))
    return "a quantified group may not itself hold a quantifier or an alternation (it can backtrack for seconds); simplify the pattern";
  return undefined;
};

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Issues with a declared schema: unknown keywords, malformed values, unresolvable $refs. */
export const checkJsonSchema = (schema: unknown, path: ReadonlyArray<string | number> = []): JsonIssue[] => {
  const issues: JsonIssue[] = [];
  const root = schema;
  let nodes = 0;
  const walk = (s: unknown, at: ReadonlyArray<string | number>, depth: number): void => {
    if (typeof s === "boolean") return;
    if (++nodes === MAX_NODES + 1)
      issues.push({ path: at, message: `a schema may hold at most ${MAX_NODES} subschemas` });
    if (!isObject(s)) {
      issues.push({ path: at, message: "a JSON Schema is an object (or true/false)" });
      return;
    }
    if (depth > MAX_DEPTH) {
      issues.push({ path: at, message: `schemas may nest at most ${MAX_DEPTH} levels` });
      return;
    }
    for (const [key, value] of Object.entries(s)) {
      const here = [...at, key];
      if (ANNOTATIONS.has(key)) continue;
      if (key === "type") {
        const types = Array.isArray(value) ? value : [value];
        if (types.length === 0 || !types.every((t) => typeof t === "string" && TYPES.has(t)))
          issues.push({ path: here, message: `type must be one of ${[...TYPES].join(", ")}, or a list of them` });
      } else if (key === "enum") {
        if (!Array.isArray(value) || value.length === 0)
          issues.push({ path: here, message: "enum must be a non-empty array" });
      } else if (key === "const") {
        continue;
      } else if (key === "required") {
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
          issues.push({ path: here, message: "required must be an array of property names" });
      } else if (key === "pattern") {
        if (typeof value !== "string") issues.push({ path: here, message: "pattern must be a string" });
        else {
          try {
            new RegExp(value, "u");
            const why = unsafePattern(value);
            if (why) issues.push({ path: here, message: why });
          } catch {
            issues.push({ path: here, message: "pattern is not a valid regular expression" });
          }
        }
      } else if (key === "uniqueItems") {
        if (typeof value !== "boolean") issues.push({ path: here, message: "uniqueItems must be a boolean" });
      } else if (COUNT_KEYWORDS.has(key)) {
        if (!Number.isInteger(value) || (value as number) < 0)
          issues.push({ path: here, message: `${key} must be a non-negative integer` });
      } else if (NUMBER_KEYWORDS.has(key)) {
        if (typeof value !== "number" || !Number.isFinite(value) || (key === "multipleOf" && value <= 0))
          issues.push({ path: here, message: `${key} must be a ${key === "multipleOf" ? "positive " : ""}number` });
      } else if (SCHEMA_KEYWORDS.has(key)) {
        walk(value, here, depth + 1);
      } else if (SCHEMA_LIST_KEYWORDS.has(key)) {
        if (!Array.isArray(value) || value.length === 0)
          issues.push({ path: here, message: `${key} must be a non-empty array of schemas` });
        else if (value.length > MAX_ALTERNATIVES)
          issues.push({ path: here, message: `${key} may list at most ${MAX_ALTERNATIVES} schemas` });
        else value.forEach((v, i) => walk(v, [...here, i], depth + 1));
      } else if (SCHEMA_MAP_KEYWORDS.has(key)) {
        if (!isObject(value)) issues.push({ path: here, message: `${key} must be an object of schemas` });
        else for (const [name, v] of Object.entries(value)) walk(v, [...here, name], depth + 1);
      } else if (key === "$ref") {
        if (typeof value !== "string" || resolveRef(root, value) === undefined)
          issues.push({
            path: here,
            message: "only local references to #/$defs/<name> or #/definitions/<name> that exist are supported",
          });
      } else {
        issues.push({
          path: here,
          message: `the hub does not enforce the keyword ${JSON.stringify(key)}; remove it or express the rule with supported keywords`,
        });
      }
    }
  };
  walk(schema, path, 0);
  if (issues.length === 0) {
    const cycle = refCycle(schema);
    if (cycle)
      issues.push({
        path,
        message: `recursive $ref (${cycle}) is not supported: inline the schema or bound its depth`,
      });
  }
  return issues;
};

/** The first $ref cycle of a schema whose refs all resolve, as "a → b → a", if any. */
const refCycle = (root: unknown): string | undefined => {
  const refsIn = (s: unknown, out: string[]): string[] => {
    if (Array.isArray(s)) for (const x of s) refsIn(x, out);
    else if (isObject(s))
      for (const [k, v] of Object.entries(s)) {
        if (k === "$ref" && typeof v === "string") out.push(v);
        else if (k !== "$defs" && k !== "definitions" && k !== "enum" && k !== "const" && !ANNOTATIONS.has(k))
          refsIn(v, out);
      }
    return out;
  };
  const state = new Map<string, "open" | "done">();
  const visit = (ref: string, trail: string[]): string | undefined => {
    if (state.get(ref) === "done") return undefined;
    if (state.get(ref) === "open") return [...trail, ref].join(" → ");
    state.set(ref, "open");
    for (const next of refsIn(resolveRef(root, ref), [])) {
      const found = visit(next, [...trail, ref]);
      if (found) return found;
    }
    state.set(ref, "done");
    return undefined;
  };
  for (const ref of refsIn(root, [])) {
    const found = visit(ref, []);
    if (found) return found;
  }
  if (isObject(root))
    for (const defs of [root.$defs, root.definitions])
      if (isObject(defs))
        for (const name of Object.keys(defs)) {
          const found = visit(`#/${defs === root.$defs ? "$defs" : "definitions"}/${name}`, []);
          if (found) return found;
        }
  return undefined;
};

/** A key equal for structurally equal JSON values (object keys sorted), for uniqueItems in linear time. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(",")}]`
    : isObject(v)
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
          .join(",")}}`
      : JSON.stringify(v);

class OverBudget extends Error {}

const resolveRef = (root: unknown, ref: string): unknown => {
  const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (!m || !isObject(root)) return undefined;
  const defs = root[m[1]!];
  return isObject(defs) ? defs[decodeURIComponent(m[2]!.replace(/~1/g, "/").replace(/~0/g, "~"))] : undefined;
};

const typeOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? "number" : typeof v;

const hasType = (v: unknown, t: string): boolean => {
  switch (t) {
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "object":
      return isObject(v);
    default:
      return typeOf(v) === t;
  }
};

/** Structural equality of JSON values, for enum, const and uniqueItems. */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
};

export interface ValidateOptions {
  /**
   * Read an object schema with `properties` but no `additionalProperties`
   * as closed. The hub does this for params, which section 1 makes strict,
   * and not for results, which follow plain JSON Schema.
   */
  readonly closedObjects: boolean;
}

/** Every issue of `value` against a schema that passed `checkJsonSchema`. */
export const validateJson = (schema: unknown, value: unknown, options: ValidateOptions): JsonIssue[] => {
  const root = schema;
  const issues: JsonIssue[] = [];
  let steps = 0;
  const run = (s: unknown, v: unknown, at: ReadonlyArray<string | number>, out: JsonIssue[]): void => {
    if (++steps > VALIDATION_STEPS) throw new OverBudget();
    if (s === true) return;
    if (s === false) {
      out.push({ path: at, message: "no value is allowed here" });
      return;
    }
    if (!isObject(s)) return;
    if (typeof s.$ref === "string") run(resolveRef(root, s.$ref), v, at, out);
    if (s.type !== undefined) {
      const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      if (!types.some((t) => hasType(v, t))) {
        out.push({ path: at, message: `expected ${types.join(" or ")}, got ${typeOf(v)}` });
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => jsonEqual(e, v)))
      out.push({ path: at, message: `expected one of ${JSON.stringify(s.enum)}` });
    if ("const" in s && !jsonEqual(s.const, v)) out.push({ path: at, message: `expected ${JSON.stringify(s.const)}` });

    if (typeof v === "string") {
      const length = [...v].length;
      if (typeof s.minLength === "number" && length < s.minLength)
        out.push({ path: at, message: `expected at least ${s.minLength} characters` });
      if (typeof s.maxLength === "number" && length > s.maxLength)
        out.push({ path: at, message: `expected at most ${s.maxLength} characters` });
      if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v))
        out.push({ path: at, message: `expected a string matching ${s.pattern}` });
    }
    if (typeof v === "number") {
      if (typeof s.minimum === "number" && v < s.minimum) out.push({ path: at, message: `expected ≥ ${s.minimum}` });
      if (typeof s.maximum === "number" && v > s.maximum) out.push({ path: at, message: `expected ≤ ${s.maximum}` });
      if (typeof s.exclusiveMinimum === "number" && v <= s.exclusiveMinimum)
        out.push({ path: at, message: `expected > ${s.exclusiveMinimum}` });
      if (typeof s.exclusiveMaximum === "number" && v >= s.exclusiveMaximum)
        out.push({ path: at, message: `expected < ${s.exclusiveMaximum}` });
      if (typeof s.multipleOf === "number" && !Number.isInteger(v / s.multipleOf))
        out.push({ path: at, message: `expected a multiple of ${s.multipleOf}` });
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === "number" && v.length < s.minItems)
        out.push({ path: at, message: `expected at least ${s.minItems} items` });
      if (typeof s.maxItems === "number" && v.length > s.maxItems)
        out.push({ path: at, message: `expected at most ${s.maxItems} items` });
      if (s.uniqueItems === true && new Set(v.map(canonical)).size !== v.length)
        out.push({ path: at, message: "expected unique items" });
      if (s.items !== undefined) v.forEach((x, i) => run(s.items, x, [...at, i], out));
    }
    if (isObject(v)) {
      const keys = Object.keys(v);
      if (typeof s.minProperties === "number" && keys.length < s.minProperties)
        out.push({ path: at, message: `expected at least ${s.minProperties} properties` });
      if (typeof s.maxProperties === "number" && keys.length > s.maxProperties)
        out.push({ path: at, message: `expected at most ${s.maxProperties} properties` });
      const props = isObject(s.properties) ? s.properties : {};
      if (Array.isArray(s.required))
        for (const name of s.required as string[])
          if (!(name in v)) out.push({ path: [...at, name], message: "is missing" });
      const additional =
        s.additionalProperties !== undefined
          ? s.additionalProperties
          : options.closedObjects && s.properties !== undefined
            ? false
            : true;
      for (const key of keys) {
        if (key in props) run(props[key], v[key], [...at, key], out);
        else if (additional === false) out.push({ path: [...at, key], message: "is unexpected" });
        else run(additional, v[key], [...at, key], out);
      }
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf) run(sub, v, at, out);
    if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => passes(sub, v, at)))
      out.push({ path: at, message: "matches none of the anyOf alternatives" });
    if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => passes(sub, v, at)).length !== 1)
      out.push({ path: at, message: "must match exactly one of the oneOf alternatives" });
    if (s.not !== undefined && passes(s.not, v, at)) out.push({ path: at, message: "matches a schema it must not" });
  };
  const passes = (s: unknown, v: unknown, at: ReadonlyArray<string | number>): boolean => {
    const scratch: JsonIssue[] = [];
    run(s, v, at, scratch);
    return scratch.length === 0;
  };
  try {
    run(schema, value, [], issues);
  } catch (err) {
    if (!(err instanceof OverBudget)) throw err;
    return [
      {
        path: [],
        message: `checking this value against the declared schema passed ${VALIDATION_STEPS} steps; send a smaller value, or ask the app to simplify its schema`,
      },
    ];
  }
  return issues;
};
