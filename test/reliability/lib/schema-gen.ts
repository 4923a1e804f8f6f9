import fc from "fast-check";
import { codePoints } from "../../../protocol/length.ts";
import { isHttpUrl } from "../../../protocol/url.ts";

/**
 * Inputs generated from the JSON Schemas that rpc.discover publishes: valid
 * values (with boundary values and ids drawn from pools of real ones),
 * invalid ones (one checked violation of the schema), and hostile ones
 * (valid shapes carrying very long, deeply nested, oddly encoded or
 * injection-looking content). `conforms` is a small validator for the subset
 * of JSON Schema that effect's JSONSchema emits, used to make sure an
 * "invalid" value really is invalid.
 */
export type Js = Readonly<Record<string, any>>;

export interface Pools {
  /** Real values for a `$ref` (by the id prefix its description names) or a property, or undefined. */
  pick(key: string): ReadonlyArray<string> | undefined;
}

const ID_PREFIX = /`([a-z]+_)<random>`/;
const MAX_LIST = 4;

export class SchemaGen {
  private readonly validCache = new Map<Js, fc.Arbitrary<unknown>>();

  constructor(
    private readonly components: Readonly<Record<string, Js>>,
    private readonly pools: Pools,
  ) {}

  private readonly resolved = new WeakMap<Js, Js>();
  private readonly patterns = new Map<string, RegExp>();

  private regex(pattern: string): RegExp {
    let re = this.patterns.get(pattern);
    if (!re) this.patterns.set(pattern, (re = new RegExp(pattern)));
    return re;
  }

  resolve(schema: Js): Js {
    // The document writes a $ref with bounds beside it as allOf: [{$ref}] beside them (draft-07 ignores $ref's siblings).
    const allOf = schema.allOf as Js[] | undefined;
    if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0]!.$ref === "string") {
      const { allOf: _allOf, ...rest } = schema;
      schema = { ...rest, $ref: allOf[0]!.$ref };
    }
    if (typeof schema.$ref !== "string") return schema;
    const cached = this.resolved.get(schema);
    if (cached) return cached;
    let s = schema;
    for (let i = 0; i < 20 && typeof s.$ref === "string"; i++) {
      const name = s.$ref.split("/").pop()!;
      const target = this.components[name];
      if (!target) throw new Error(`unresolved $ref ${s.$ref}`);
      s = { ...target, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== "$ref")) };
    }
    this.resolved.set(schema, s);
    return s;
  }

  /** The pool key of a schema: the id prefix of a branded id (`tsk_`), or the component name. */
  poolKey(schema: Js): string | undefined {
    const description = typeof schema.description === "string" ? schema.description : "";
    const target = typeof schema.$ref === "string" ? this.components[schema.$ref.split("/").pop()!] : undefined;
    const m = ID_PREFIX.exec(description) ?? ID_PREFIX.exec(String(target?.description ?? ""));
    if (m) return m[1];
    return typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
  }

  /** Values that conform to the schema. */
  private readonly pooledCache = new Map<Js, Map<string, fc.Arbitrary<unknown>>>();

  valid(schema: Js, propName?: string): fc.Arbitrary<unknown> {
    let byProp = this.pooledCache.get(schema);
    if (!byProp) this.pooledCache.set(schema, (byProp = new Map()));
    let arb = byProp.get(propName ?? "");
    if (!arb) byProp.set(propName ?? "", (arb = this.pooledOrBase(schema, propName)));
    return arb;
  }

  private pooledOrBase(schema: Js, propName: string | undefined): fc.Arbitrary<unknown> {
    const key = this.poolKey(schema);
    const base = this.validBase(schema);
    const fromPool = (k: string) =>
      fc.nat().map((i) => {
        const pool = this.pools.pick(k);
        return pool && pool.length > 0 ? pool[i % pool.length]! : undefined;
      });
    const pooled = [key, propName === undefined ? undefined : `prop:${propName}`].filter(
      (k): k is string => k !== undefined,
    );
    const resolved = this.resolve(schema);
    if (pooled.length === 0 || resolved.type !== "string" || Array.isArray(resolved.enum)) return base;
    return fc
      .tuple(fc.oneof(...pooled.map(fromPool)), base, fc.nat(9))
      .map(([p, b, roll]) => (p !== undefined && roll < 7 ? p : b));
  }

  private validBase(schema: Js): fc.Arbitrary<unknown> {
    const cached = this.validCache.get(schema);
    if (cached) return cached;
    const arb = this.build(schema);
    this.validCache.set(schema, arb);
    return arb;
  }

  private build(raw: Js): fc.Arbitrary<unknown> {
    const s = this.resolve(raw);
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
      return fc.oneof(...((s.anyOf ?? s.oneOf) as Js[]).map((m) => fc.constant(null).chain(() => this.valid(m))));
    }
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    if ("const" in s) return fc.constant(s.const);
    switch (s.type) {
      case "object":
        return this.object(s);
      case "array": {
        const min = s.minItems ?? 0;
        const max = s.maxItems ?? 1000;
        const item = fc.constant(null).chain(() => this.valid(s.items ?? {}));
        const usual = fc.array(item, { minLength: min, maxLength: Math.max(min, Math.min(max, MAX_LIST)) });
        // At the boundary: exactly maxItems (repeating one item keeps it cheap).
        const full = item.map((x) => Array.from({ length: max }, () => x));
        return max <= 1000 ? fc.oneof({ weight: 9, arbitrary: usual }, { weight: 1, arbitrary: full }) : usual;
      }
      case "string":
        return this.string(s);
      case "integer": {
        const min = s.minimum ?? -1_000_000_000;
        const max = s.maximum ?? 1_000_000_000;
        return fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min, max }) },
          { weight: 1, arbitrary: fc.constantFrom(...new Set([min, max, Math.max(min, Math.min(max, 0))])) },
        );
      }
      case "number":
        return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.minimum ?? -1e9, max: s.maximum ?? 1e9 });
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      default:
        // No constraint (effect's Unknown): any JSON value.
        return fc.jsonValue({ maxDepth: 3 });
    }
  }

  private object(s: Js): fc.Arbitrary<unknown> {
    const props = (s.properties ?? {}) as Record<string, Js>;
    const required = new Set<string>(s.required ?? []);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, ps] of Object.entries(props)) {
      model[name] = fc.constant(null).chain(() => this.valid(ps, name));
    }
    const fixed = fc.record(model, { requiredKeys: [...required] });
    const extra = s.additionalProperties;
    if (extra && typeof extra === "object") {
      const rest = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), this.valid(extra as Js), { maxKeys: 3 });
      return fc.tuple(fixed, rest).map(([a, b]) => ({ ...b, ...(a as object) }));
    }
    return fixed;
  }

  private string(s: Js): fc.Arbitrary<string> {
    const min: number = s.minLength ?? 0;
    const max: number = s.maxLength ?? 200;
    // JSON Schema counts lengths in code points, and so does the hub (protocol/length.ts).
    const fits = (x: string) => codePoints(x) >= min && codePoints(x) <= max;
    if (isUrlFormat(s.format)) {
      return fc
        .oneof(fc.webUrl({ validSchemes: ["http", "https"] }), fc.constant("https://example.com/a?b=c#d"))
        .filter(fits);
    }
    if (typeof s.pattern === "string") {
      const re = new RegExp(s.pattern);
      return fc.stringMatching(re).filter(fits);
    }
    if (s.format === "date-time") {
      return fc
        .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
        .map((d) => d.toISOString());
    }
    const usual = Math.min(max, 24);
    return fc
      .oneof(
        { weight: 6, arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, usual) }) },
        { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: min, maxLength: Math.max(min, usual) }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom("x".repeat(Math.max(min, 1) > max ? max : Math.max(min, 1)), "y".repeat(max)),
        },
        // At the bounds in code points: twice as many UTF-16 units as maxLength, or half as many as minLength.
        {
          weight: 1,
          // (4 bytes each in UTF-8: long fields keep one, so that frames stay under --max-frame-bytes)
          arbitrary: fc.constantFrom(
            "😀".repeat(max <= 1024 ? max : 1),
            "😀".repeat(Math.max(min, 1) > max ? max : Math.max(min, 1)),
          ),
        },
        // (graphemes may hold several code points each)
      )
      .filter(fits);
  }

  /** Whether `value` conforms to `schema` (the subset effect emits; unknown keywords are ignored). */
  conforms(schema: Js, value: unknown): boolean {
    const s = this.resolve(schema);
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
      return ((s.anyOf ?? s.oneOf) as Js[]).some((m) => this.conforms(m, value));
    }
    if (Array.isArray(s.enum) && !s.enum.some((e: unknown) => e === value)) return false;
    if ("const" in s && s.const !== value) return false;
    switch (s.type) {
      case "object": {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
        const o = value as Record<string, unknown>;
        const props = (s.properties ?? {}) as Record<string, Js>;
        for (const r of (s.required ?? []) as string[]) if (!Object.prototype.hasOwnProperty.call(o, r)) return false;
        for (const k of Object.keys(o)) {
          if (k in props && Object.prototype.hasOwnProperty.call(props, k)) {
            if (!this.conforms(props[k]!, o[k])) return false;
          } else if (s.additionalProperties === false) {
            return false;
          } else if (typeof s.additionalProperties === "object" && !this.conforms(s.additionalProperties, o[k])) {
            return false;
          }
        }
        return true;
      }
      case "array": {
        if (!Array.isArray(value)) return false;
        if (s.minItems !== undefined && value.length < s.minItems) return false;
        if (s.maxItems !== undefined && value.length > s.maxItems) return false;
        return value.every((v) => this.conforms(s.items ?? {}, v));
      }
      case "string": {
        if (typeof value !== "string") return false;
        if (s.minLength !== undefined && codePoints(value) < s.minLength) return false;
        if (s.maxLength !== undefined && codePoints(value) > s.maxLength) return false;
        if (typeof s.pattern === "string" && !this.regex(s.pattern).test(value)) return false;
        if (isUrlFormat(s.format) && !isHttpUrl(value)) return false;
        return true;
      }
      case "integer":
        return Number.isSafeInteger(value) && inRange(s, value as number);
      case "number":
        return typeof value === "number" && Number.isFinite(value) && inRange(s, value);
      case "boolean":
        return typeof value === "boolean";
      case "null":
        return value === null;
      default:
        // Unknown accepts any JSON value; a missing required key was checked by the parent.
        return value !== undefined;
    }
  }

  /**
   * One violation of the schema, chosen by `choice`: a candidate is kept only
   * when `conforms` says the whole value no longer conforms. Undefined when
   * the value offers no site to break (e.g. no params at all).
   */
  breakOne(schema: Js, value: unknown, choice: number): { value: unknown; site: string } | undefined {
    const sites: Array<{ path: Array<string | number>; replace: (root: unknown) => unknown; site: string }> = [];
    this.collectSites(schema, value, [], sites);
    if (sites.length === 0) return undefined;
    for (let i = 0; i < sites.length; i++) {
      const site = sites[(choice + i) % sites.length]!;
      const broken = site.replace(value);
      if (!this.conforms(schema, broken))
        return { value: broken, site: `${site.site} at ${JSON.stringify(site.path)}` };
    }
    return undefined;
  }

  private collectSites(
    raw: Js,
    value: unknown,
    path: Array<string | number>,
    out: Array<{ path: Array<string | number>; replace: (root: unknown) => unknown; site: string }>,
  ): void {
    const s = this.resolve(raw);
    const set = (site: string, make: (current: unknown) => unknown) =>
      out.push({ path, site, replace: (root) => setAt(root, path, make(getAt(root, path))) });
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
      const member = ((s.anyOf ?? s.oneOf) as Js[]).find((m) => this.conforms(m, value));
      set("wrong type", () => (typeof value === "boolean" ? 12.5 : true));
      if (member) this.collectSites(member, value, path, out);
      return;
    }
    if (Array.isArray(s.enum)) {
      set("not in the enum", () => "not-a-member-of-the-enum");
      return;
    }
    switch (s.type) {
      case "object": {
        const o = value as Record<string, unknown>;
        set("unknown field", (cur) => withKey(cur, "zzUnknownField", 1));
        set("unknown __proto__ field", (cur) => withKey(cur, "__proto__", { polluted: "yes" }));
        set("unknown constructor field", (cur) => withKey(cur, "constructor", { prototype: { polluted: "yes" } }));
        // At the root, an empty array means "no params" (issue 9): break it with one that is not empty.
        set("array for object", () => (path.length === 0 ? [{}] : []));
        set("string for object", () => "{}");
        for (const r of (s.required ?? []) as string[]) set(`missing ${r}`, (cur) => without(cur, r));
        for (const [k, ps] of Object.entries((s.properties ?? {}) as Record<string, Js>)) {
          if (Object.prototype.hasOwnProperty.call(o, k)) this.collectSites(ps, o[k], [...path, k], out);
        }
        return;
      }
      case "array": {
        const a = value as unknown[];
        set("object for array", () => ({ 0: a[0] ?? null }));
        if ((s.minItems ?? 0) > 0) set("too few items", () => []);
        if (s.maxItems !== undefined && s.maxItems <= 2000 && a.length > 0) {
          set("too many items", () => Array.from({ length: s.maxItems + 1 }, () => a[0]));
        }
        if (a.length > 0) this.collectSites(s.items ?? {}, a[0], [...path, 0], out);
        return;
      }
      case "string":
        set("number for string", () => 42);
        set("null for string", () => null);
        if ((s.minLength ?? 0) > 0) set("empty string", () => "");
        if (s.maxLength !== undefined) {
          set("one character too long", () => "z".repeat(s.maxLength + 1));
          if (s.maxLength <= 4096) set("one code point too long", () => "😀".repeat(s.maxLength + 1));
        }
        if ((s.minLength ?? 0) > 1) set("one code point too short", () => "😀".repeat(s.minLength - 1));
        if (typeof s.pattern === "string") {
          for (const bad of [".", " ", "\u0000", "A.B", "-", "Ω", "01.5"])
            set(`not matching ${s.pattern}: ${JSON.stringify(bad)}`, () => bad);
        }
        if (isUrlFormat(s.format))
          for (const bad of [
            "not a url",
            "ftp://x.test/a",
            "javascript:alert(1)",
            "//x.test",
            "http://",
            "https://[::1",
          ])
            set("not an http(s) URL", () => bad);
        return;
      case "integer":
        set("string for integer", (cur) => String(cur));
        set("fraction for integer", () => 1.5);
        set("beyond 2^53", () => 2 ** 60);
        if (s.minimum !== undefined) set("below minimum", () => s.minimum - 1);
        if (s.maximum !== undefined) set("above maximum", () => s.maximum + 1);
        return;
      case "number":
        set("string for number", () => "1");
        return;
      case "boolean":
        set("string for boolean", () => "true");
        return;
      default:
        return;
    }
  }

  /**
   * A valid value made hostile at one leaf: very long or strangely encoded
   * strings, deeply nested JSON where any value is allowed, huge numbers,
   * injection-looking text and prototype keys. The hub may refuse these, but
   * only with a proper error.
   */
  hostile(schema: Js, value: unknown, choice: number): unknown {
    const leaves: Array<{ path: Array<string | number>; schema: Js }> = [];
    this.collectLeaves(schema, value, [], leaves);
    const root = value ?? {};
    if (leaves.length === 0) return root;
    const leaf = leaves[choice % leaves.length]!;
    const s = this.resolve(leaf.schema);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(choice / leaves.length) % xs.length]!;
    let next: unknown;
    if (s.type === "string") {
      next = pick(HOSTILE_STRINGS)(s.maxLength ?? 200);
    } else if (s.type === "integer" || s.type === "number") {
      next = pick([1e308, -1e308, -0, 2 ** 53 + 1, -(2 ** 31), 2 ** 31, 0.1]);
    } else {
      next = pick(HOSTILE_VALUES)();
    }
    return setAt(root, leaf.path, next);
  }

  private collectLeaves(
    raw: Js,
    value: unknown,
    path: Array<string | number>,
    out: Array<{ path: Array<string | number>; schema: Js }>,
  ): void {
    const s = this.resolve(raw);
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
      const member = ((s.anyOf ?? s.oneOf) as Js[]).find((m) => this.conforms(m, value));
      if (member) this.collectLeaves(member, value, path, out);
      return;
    }
    if (s.type === "object" && typeof value === "object" && value !== null) {
      for (const [k, ps] of Object.entries((s.properties ?? {}) as Record<string, Js>)) {
        if (Object.prototype.hasOwnProperty.call(value, k))
          this.collectLeaves(ps, (value as Record<string, unknown>)[k], [...path, k], out);
      }
      return;
    }
    if (s.type === "array" && Array.isArray(value)) {
      if (value.length > 0) this.collectLeaves(s.items ?? {}, value[0], [...path, 0], out);
      return;
    }
    if (!Array.isArray(s.enum)) out.push({ path, schema: s });
  }
}

const HOSTILE_STRINGS: ReadonlyArray<(max: number) => string> = [
  (max) => "x".repeat(Math.min(max, 200_000)),
  () => "x".repeat(200_000),
  () => "'; DROP TABLE messages; --",
  () => "%_%\\",
  () => "../../../../etc/passwd",
  () => "\u0000\u0001\u001f",
  () => "\ud800 lone surrogate \udfff",
  () => "\u202e\u2066 bidi \ufeff",
  () => "😀".repeat(40),
  () => "sb_agent.agt_x.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  () => "__proto__",
  () => "cb-1",
  () => "999999999999999999999999999999",
];

/** JSON text spliced into a frame as is: values too deep for JSON.stringify to build. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that splices RawJson values in. */
export const serialize = (value: unknown): string => {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : serialize(v))).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
};

/** `depth` levels of alternating arrays and objects, as JSON text. */
const nested = (depth: number): RawJson => {
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? "[" : '{"a":';
    close = (i % 2 === 0 ? "]" : "}") + close;
  }
  return new RawJson(`${open}0${close}`);
};

const HOSTILE_VALUES: ReadonlyArray<() => unknown> = [
  () => nested(100),
  () => nested(20_000),
  () => JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as unknown,
  () => Array.from({ length: 20_000 }, (_, i) => i),
  () => Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i])),
  () => "x".repeat(300_000),
  () => 1e308,
  () => null,
];

/** The hub's URL fields: published as format "http-url" (protocol/url.ts); "uri" in older documents. */
const isUrlFormat = (format: unknown): boolean => format === "http-url" || format === "uri";

const inRange = (s: Js, n: number): boolean =>
  (s.minimum === undefined || n >= s.minimum) && (s.maximum === undefined || n <= s.maximum);

const getAt = (root: unknown, path: ReadonlyArray<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);

/** A copy of `root` with `value` at `path`; only the containers along the path are copied. */
const setAt = (root: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown => {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const child = setAt((root as Record<string | number, unknown>)[head!], rest, value);
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as object) }) as Record<string, unknown>;
  Object.defineProperty(copy, head!, { value: child, enumerable: true, writable: true, configurable: true });
  return copy;
};

/** A copy with one more own key (defined, so that "__proto__" is a key and not the prototype). */
const withKey = (cur: unknown, key: string, value: unknown): unknown => {
  const copy = { ...(cur as object) };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
};

const without = (cur: unknown, key: string): unknown => {
  const { [key]: _gone, ...rest } = cur as Record<string, unknown>;
  return rest;
};
