import { describe, expect, it } from "vitest";
import { checkJsonSchema, validateJson, VALIDATION_STEPS } from "../../protocol/actions/json-schema.ts";

/**
 * Issue 9, class 2: app-declared JSON Schemas run on the hub's thread, so
 * they are bounded at declaration (no $ref cycle, patterns of a
 * non-backtracking shape, capped alternatives) and at validation (linear
 * uniqueItems, a step budget that refuses with a clear issue).
 */
describe("app-declared JSON Schemas are bounded", () => {
  it("refuses a $ref cycle at declaration (it recursed until the stack overflowed: Internal)", () => {
    const issues = checkJsonSchema({
      $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } },
      $ref: "#/$defs/a",
    });
    expect(issues[0]?.message).toMatch(/recursive \$ref/);
  });

  it("refuses backtracking patterns and back references, and takes plain ones", () => {
    for (const pattern of ["^(a+)+$", "^(a|aa)*$", "(\\w)\\1", "^(?=a)"])
      expect(checkJsonSchema({ type: "string", pattern }).length, pattern).toBe(1);
    expect(checkJsonSchema({ type: "string", pattern: "^[a-z0-9._-]+@[a-z]+\\.(com|org)$" })).toEqual([]);
  });

  it("caps the alternatives of anyOf", () => {
    const anyOf = Array.from({ length: 100 }, (_, i) => ({ const: i }));
    expect(checkJsonSchema({ anyOf })[0]?.message).toMatch(/at most 32/);
  });

  it("checks uniqueItems in linear time and stops a fan-out at the step budget", () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ n: i, tags: ["x"] }));
    expect(validateJson({ type: "array", uniqueItems: true }, items, { closedObjects: false })).toEqual([]);
    expect(
      validateJson({ type: "array", uniqueItems: true }, [...items, { tags: ["x"], n: 5 }], { closedObjects: false }),
    ).toHaveLength(1);
    const leaf = { anyOf: [{ type: "string" }, { type: "number" }, { type: "object" }] };
    const schema = { type: "array", items: { anyOf: [leaf, leaf, leaf, leaf, { type: "array", items: leaf }] } };
    const value = Array.from({ length: VALIDATION_STEPS }, () => [true]);
    const issues = validateJson(schema, value, { closedObjects: true });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/steps/);
  });
});
