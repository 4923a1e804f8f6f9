import fc from "fast-check";
import type { Js, Pools, SchemaGen } from "./schema-gen.ts";

/**
 * What the fuzzer draws its inputs from: a seeded PRNG, pools of the real
 * ids the hub hands out (harvested from results, with the ids that belong
 * together), seeded batches of fast-check values, and garbage text.
 */
/** A tiny seeded PRNG (mulberry32): the fuzzer's choices replay from the seed. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export class IdPools implements Pools {
  /** Ids that belong together (a conversation's id and its task's), from objects in results. */
  readonly contexts: Array<Record<string, string>> = [];
  private readonly sets = new Map<string, Set<string>>();
  private readonly lists = new Map<string, string[]>();
  constructor(private readonly excluded: ReadonlySet<string> = new Set()) {}
  add(key: string, value: string): void {
    if (this.excluded.has(value)) return;
    let s = this.sets.get(key);
    if (!s) this.sets.set(key, (s = new Set()));
    if (s.has(value) || s.size >= 500) return;
    s.add(value);
    this.lists.delete(key);
  }
  pick(key: string): ReadonlyArray<string> | undefined {
    let l = this.lists.get(key);
    if (!l) {
      const s = this.sets.get(key);
      if (!s) return undefined;
      this.lists.set(key, (l = [...s]));
    }
    return l;
  }
  /** Harvest every id and cursor in a result. */
  harvest(value: unknown, property?: string): void {
    if (typeof value === "string") {
      const m = /^([a-z]{3}_)[A-Za-z0-9_-]+$/.exec(value);
      if (m) this.add(m[1]!, value);
      if (property === "nextCursor") this.add("prop:cursor", value);
      if (property === "cursor" && /^\d+$/.test(value)) this.add("Cursor", value);
      return;
    }
    if (Array.isArray(value)) for (const v of value.slice(0, 50)) this.harvest(v);
    else if (value && typeof value === "object") {
      const context: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        this.harvest(v, k);
        const m = typeof v === "string" ? /^([a-z]{3}_)[A-Za-z0-9_-]+$/.exec(v) : null;
        if (m && !this.excluded.has(v as string)) context[m[1]!] ??= v as string;
      }
      if (Object.keys(context).length >= 2) {
        this.contexts.push(context);
        if (this.contexts.length > 300) this.contexts.splice(0, 100);
      }
    }
  }
}

/** Draws values from an arbitrary in seeded batches (one fast-check run per batch, not per value). */
export class Drawer {
  private readonly buffers = new Map<fc.Arbitrary<unknown>, unknown[]>();
  private n = 0;
  constructor(private readonly seed: number) {}
  draw<T>(arb: fc.Arbitrary<T>): T {
    let buf = this.buffers.get(arb);
    if (!buf || buf.length === 0) {
      buf = fc.sample(arb, { seed: this.seed + ++this.n, numRuns: 32 });
      this.buffers.set(arb, buf);
    }
    return buf.pop() as T;
  }
}

/**
 * Point a valid params object at resources that exist together: each
 * top-level id field whose kind the context holds takes the context's id, so
 * a taskId and a conversationId name a conversation of that task.
 */
export const inContext = (
  gen: SchemaGen,
  schema: Js,
  params: unknown,
  context: Record<string, string> | undefined,
): unknown => {
  if (!context || !params || typeof params !== "object" || Array.isArray(params)) return params;
  const props = (gen.resolve(schema).properties ?? {}) as Record<string, Js>;
  const required = new Set<string>(gen.resolve(schema).required ?? []);
  const out = { ...(params as Record<string, unknown>) };
  for (const [k, ps] of Object.entries(props)) {
    const key = gen.poolKey(ps);
    if (key === undefined || !key.endsWith("_")) continue;
    if (key in context && (k in out || required.has(k))) out[k] = context[key];
    // An optional id the context cannot fill would most likely name something elsewhere: leave it out.
    else if (!required.has(k) && typeof out[k] === "string") delete out[k];
  }
  return out;
};

/** Of a few contexts drawn at random, the one that names the most id fields of these params. */
export const bestContext = (
  gen: SchemaGen,
  schema: Js,
  contexts: ReadonlyArray<Record<string, string>>,
  pick: <T>(xs: ReadonlyArray<T>) => T,
): Record<string, string> => {
  const keys = Object.values((gen.resolve(schema).properties ?? {}) as Record<string, Js>)
    .map((ps) => gen.poolKey(ps))
    .filter((k): k is string => k !== undefined);
  let best = pick(contexts);
  let score = -1;
  for (let i = 0; i < 8; i++) {
    const c = pick(contexts);
    const n = keys.filter((k) => k in c).length;
    if (n > score) [best, score] = [c, n];
  }
  return best;
};

export const GARBAGE_TEXT = [
  "",
  "{",
  "[1,2",
  '{"jsonrpc":"2.0","id":1,"method":"system/ping"',
  "undefined",
  "NaN",
  "\u0000\u0001",
  "{'single':'quotes'}",
  "[][]",
  '{"a":1}{"b":2}',
  "--\n",
  "\ud800",
];
