import { Schema } from "effect";

/**
 * String lengths as JSON Schema counts them: in Unicode code points, not in
 * UTF-16 code units as `String.length` and effect's own `Schema.maxLength`
 * do. With those, "😀" is 2 long for the hub and 1 for every JSON Schema
 * validator, so the published `maxLength` let through strings the hub then
 * refused (issue 9, DECISIONS). A lone surrogate counts as one, as in
 * JSON Schema validators (ajv's ucs2length). These keep effect's schema ids
 * and JSON Schema annotations, so the published document and generated
 * values are unchanged; only what is counted differs.
 */

/** Code points in `s`, counting no further than `stop`. */
export const codePoints = (s: string, stop = Infinity): number => {
  let n = 0;
  for (let i = 0; i < s.length && n < stop; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
};

/** At most `max` code points (a string never has more code points than UTF-16 units: most need no count). */
export const fitsMax = (s: string, max: number): boolean => s.length <= max || codePoints(s, max + 1) <= max;
/** At least `min` code points (at least half as many as UTF-16 units). */
export const fitsMin = (s: string, min: number): boolean =>
  s.length >= 2 * min || (s.length >= min && codePoints(s, min) >= min);

export const maxLength =
  <S extends Schema.Schema.Any>(max: number, annotations?: Schema.Annotations.Filter<Schema.Schema.Type<S>>) =>
  <A extends string>(
    self: S & Schema.Schema<A, Schema.Schema.Encoded<S>, Schema.Schema.Context<S>>,
  ): Schema.filter<S> =>
    self.pipe(
      Schema.filter((a) => fitsMax(a, max), {
        schemaId: Schema.MaxLengthSchemaId,
        title: `maxLength(${max})`,
        description: `a string at most ${max} character(s) (code points) long`,
        jsonSchema: { maxLength: max },
        ...annotations,
      }),
    );

export const minLength =
  <S extends Schema.Schema.Any>(min: number, annotations?: Schema.Annotations.Filter<Schema.Schema.Type<S>>) =>
  <A extends string>(
    self: S & Schema.Schema<A, Schema.Schema.Encoded<S>, Schema.Schema.Context<S>>,
  ): Schema.filter<S> =>
    self.pipe(
      Schema.filter((a) => fitsMin(a, min), {
        schemaId: Schema.MinLengthSchemaId,
        title: `minLength(${min})`,
        description: `a string at least ${min} character(s) (code points) long`,
        jsonSchema: { minLength: min },
        ...annotations,
      }),
    );
