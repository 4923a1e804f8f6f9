import { Arbitrary, Either, FastCheck as fc, Schema } from "effect";
import { describe, expect, it } from "vitest";
import { callbackDefs, methods } from "../../protocol/registry.ts";
import { intentPayloads } from "../../protocol/intents/payloads.ts";
import { compileGuard } from "../../protocol/guard.ts";
import type { WireSchema } from "../../protocol/define.ts";

/** Every schema the hub decodes untrusted input with. */
const schemas: Array<[string, WireSchema]> = [
  ...methods.map((m): [string, WireSchema] => [`${m.name} params`, m.params]),
  ...callbackDefs.map((c): [string, WireSchema] => [`${c.name} result`, c.result]),
  ...Object.entries(intentPayloads).map(([name, s]): [string, WireSchema] => [`${name} payload`, s as WireSchema]),
];

/** mulberry32: a small seeded generator, so a failing mutation can be replayed from fast-check's seed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** A value changed in one place, possibly deep inside: a key added, dropped or replaced, an item appended. */
const mutate = (value: unknown, next: () => number, junk: unknown): unknown => {
  const pick = (n: number) => Math.floor(next() * n);
  if (Array.isArray(value)) {
    if (value.length === 0 || pick(3) === 0) return [...value, junk];
    const i = pick(value.length);
    return value.map((v, k) => (k === i ? mutate(v, next, junk) : v));
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    const choice = pick(4);
    if (keys.length === 0 || choice === 0) return { ...record, [`x${pick(10)}`]: junk };
    const key = keys[pick(keys.length)]!;
    if (choice === 1) {
      const { [key]: _dropped, ...rest } = record;
      return rest;
    }
    return { ...record, [key]: choice === 2 ? junk : mutate(record[key], next, junk) };
  }
  return pick(2) === 0 ? junk : typeof value === "string" ? `${value}${value}` : junk;
};

/**
 * Valid values for the schemas effect's Arbitrary cannot draw: the methods
 * that take no fields (an index signature of never has no generator) and
 * declared actions (in a manifest too), whose JSON Schemas are checked by a filter.
 */
const fixedSamples: Record<string, unknown[]> = {
  "system/ping params": [{}],
  "rpc.discover params": [{}],
  "intents/schemas params": [{}],
  "actions/list params": [{}],
  "a2a/unexpose params": [{}],
  "admin/overview params": [{}],
  "admin/feed/unsubscribe params": [{}],
  "app/webhook/get params": [{}],
  "app/webhook/delete params": [{}],
  "app/webhook/resume params": [{}],
  "admin/app/create params": [
    { name: "planner" },
    {
      name: "planner",
      scopes: ["actions.invoke"],
      capabilities: ["intent.write"],
      manifest: { hooks: { messageAuthorize: true } },
    },
  ],
  "app/manifest/update params": [
    { actions: [] },
    {
      actions: [
        {
          id: "play",
          type: "action",
          name: "Play",
          description: "Start playback",
          permissions: { user: "allowed", agent: "allowed" },
          side_effects: "local",
          schema: { input: { type: "object", properties: { item: { type: "string" } } }, output: { type: "object" } },
        },
      ],
    },
  ],
};

describe("the compiled guard accepts exactly what the strict decoder accepts, or defers to it", () => {
  for (const [name, schema] of schemas) {
    const guard = compileGuard(schema.ast)!;
    const accepts = (x: unknown) =>
      Either.isRight(Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "error" })(x));

    it(`${name}: compiles, accepts valid values, and never accepts what the decoder refuses`, () => {
      expect(guard, `${name} does not compile to a guard`).toBeDefined();
      const fixed = fixedSamples[name];
      const valid = fixed ? fc.constantFrom(...fixed) : Arbitrary.make(schema);
      fc.assert(
        fc.property(valid, (v) => guard(v) && accepts(v)),
        { numRuns: 50 },
      );
      fc.assert(
        fc.property(valid, fc.jsonValue({ maxDepth: 2 }), fc.integer(), (v, junk, seed) => {
          const mutated = mutate(v, random(seed), junk);
          return !guard(mutated) || accepts(mutated);
        }),
        { numRuns: 200 },
      );
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 3 }), (x) => !guard(x) || accepts(x)),
        { numRuns: 100 },
      );
    });
  }
});
