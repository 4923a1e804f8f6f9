import { Either, ParseResult, Schema } from "effect";
import type { Issue } from "./errors.ts";
import { compileGuard } from "./guard.ts";

export type Decoded<A> =
  { readonly ok: true; readonly value: A } | { readonly ok: false; readonly issues: ReadonlyArray<Issue> };

/**
 * A strict decoder: every issue at once, and an unknown field anywhere is an
 * issue naming its path (section 1: every object the hub accepts is strict).
 */
export const strictDecoder = <A, I>(schema: Schema.Schema<A, I, never>): ((input: unknown) => Decoded<A>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" });
  // Valid input is the common case: a compiled predicate accepts it without the decoder's
  // machinery (the schemas here do not transform, so the decoded value is the input itself).
  const valid = compileGuard(schema.ast);
  return (input) => {
    if (valid?.(input)) return { ok: true, value: input as A };
    const result = decode(input);
    if (Either.isRight(result)) return { ok: true, value: result.right };
    return { ok: false, issues: toIssues(result.left) };
  };
};

export const toIssues = (error: ParseResult.ParseError): ReadonlyArray<Issue> => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path.map((key) => (typeof key === "number" ? key : String(key))),
    message: issue.message,
  }));
  // An optional field is a union with undefined: when its value fails, Effect also reports that
  // the value was not undefined. That adds nothing to the issue that says what is wrong with it.
  return issues.filter(
    (issue) =>
      !(
        issue.message.startsWith("Expected undefined") && issues.some((o) => o !== issue && within(issue.path, o.path))
      ),
  );
};

/** Whether `inner` is `outer` or lies below it. */
const within = (outer: ReadonlyArray<string | number>, inner: ReadonlyArray<string | number>): boolean =>
  inner.length >= outer.length && outer.every((key, i) => inner[i] === key);

/** Prefix every issue's path, for schemas checked in a second step (intent payloads). */
export const prefixIssues = (prefix: ReadonlyArray<string | number>, issues: ReadonlyArray<Issue>): Issue[] =>
  issues.map((issue) => ({ path: [...prefix, ...issue.path], message: issue.message }));
