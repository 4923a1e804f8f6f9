import { Either, ParseResult, Schema } from "effect";
import type { Issue } from "./errors.ts";
import { compileGuard } from "./guard.ts";
import { compilePrecheck, largerThan } from "./precheck.ts";

/** Issues listed in one answer by default; the rest are counted, not described. */
export const MAX_ISSUES = 20;
/** Inputs with more nodes than this are prechecked before the decoder collects their issues. */
const LARGE_INPUT_NODES = 2_000;

export type Decoded<A> =
  { readonly ok: true; readonly value: A } | { readonly ok: false; readonly issues: ReadonlyArray<Issue> };

/**
 * A strict decoder: every issue at once, and an unknown field anywhere is an
 * issue naming its path (section 1: every object the hub accepts is strict).
 */
export const strictDecoder = <A, I>(
  schema: Schema.Schema<A, I, never>,
  maxIssues: number = MAX_ISSUES,
): ((input: unknown) => Decoded<A>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" });
  const decodeFirst = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "error" });
  const precheck = compilePrecheck(schema.ast);
  // Valid input is the common case: a compiled predicate accepts it without the decoder's
  // machinery (the schemas here do not transform, so the decoded value is the input itself).
  const valid = compileGuard(schema.ast);
  return (input) => {
    if (valid?.(input)) return { ok: true, value: input as A };
    // A large invalid input: its cheap issues first, and then the decoder stops at the first one.
    const large = largerThan(input, LARGE_INPUT_NODES);
    if (large) {
      const found = precheck(input, maxIssues);
      if (found.length > 0) return { ok: false, issues: found };
    }
    const result = (large ? decodeFirst : decode)(input);
    if (Either.isRight(result)) return { ok: true, value: result.right };
    const issues = toIssues(result.left);
    return { ok: false, issues: issues.length > maxIssues ? issues.slice(0, maxIssues) : issues };
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
