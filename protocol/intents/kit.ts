import { Schema } from "effect";

/** Schema helpers for intent payloads and cards whose issues read well. */

/**
 * One of a few strings. A plain literal union reports one issue per value
 * ("Expected qr", "Expected intro", ...); this reports one issue that names
 * them all.
 */
export const OneOf = <const L extends readonly [string, ...string[]]>(...values: L) => {
  const expected = values.map((v) => JSON.stringify(v)).join(", ");
  return Schema.Literal(...values).annotations({
    message: (issue) => ({
      message: `expected one of ${expected}, got ${JSON.stringify(issue.actual) ?? "nothing"}`,
      override: true,
    }),
  });
};

/**
 * An optional field: absent, or a value. JSON has no `undefined`, and an
 * exact optional reports one issue for a bad value instead of two.
 */
export const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true });
