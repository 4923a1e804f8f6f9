import { Option, SchemaAST as AST } from "effect";
import type { Issue } from "./errors.ts";

/** A bounded look for the cheapest-to-find issues of a large input; empty when it finds none. */
export type Precheck = (input: unknown, max: number) => Issue[];

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u);

/** The maxItems a refinement declares (Schema.maxItems annotates its JSON Schema), if any. */
const maxItemsOf = (ast: AST.Refinement): number | undefined => {
  const js = AST.getJSONSchemaAnnotation(ast);
  if (js._tag !== "Some") return undefined;
  const n = (js.value as { maxItems?: unknown }).maxItems;
  return typeof n === "number" ? n : undefined;
};

/**
 * Effect's decoder collects every issue of an input, and does per node work
 * that is far from free: 50,000 unknown keys in a 1 MiB frame took 1.2 s,
 * 30,000 bad array items 2.3 s, all on the hub's one thread. Before an
 * input that large reaches it, this walks the schema with the input and
 * stops at the first `max` issues of the two kinds that make an input large
 * (unknown keys of strict objects, arrays over their maxItems), each found
 * without looking at more of the input than the schema admits. What it
 * does not find, the decoder does, on an input the schema then bounds.
 */
export const compilePrecheck = (root: AST.AST): Precheck => {
  const walk = (ast: AST.AST, v: unknown, path: Array<string | number>, out: Issue[], max: number): void => {
    if (out.length >= max) return;
    switch (ast._tag) {
      case "Refinement": {
        const limit = Array.isArray(v) ? maxItemsOf(ast) : undefined;
        if (limit !== undefined && (v as unknown[]).length > limit) {
          out.push({
            path: [...path],
            message: `Expected an array of at most ${limit} item(s), actual ${(v as unknown[]).length}`,
          });
          return;
        }
        return walk(ast.from, v, path, out, max);
      }
      case "Suspend":
        return walk(ast.f(), v, path, out, max);
      case "TupleType": {
        if (!Array.isArray(v) || ast.elements.length > 0 || ast.rest.length !== 1) return;
        const item = ast.rest[0]!.type;
        for (let i = 0; i < v.length && out.length < max; i++) walk(item, v[i], [...path, i], out, max);
        return;
      }
      case "TypeLiteral": {
        if (!isPlainObject(v)) return;
        // An index signature of never (the Empty params) admits no key: the object is as strict as one without.
        const open = ast.indexSignatures.find((s) => s.type._tag !== "NeverKeyword");
        if (open) return;
        const never = ast.indexSignatures[0]?.type;
        const message =
          never === undefined
            ? "is unexpected"
            : Option.getOrElse(
                AST.getMessageAnnotation(never).pipe(Option.map((m) => String(m(undefined as never)))),
                () => "is unexpected",
              );
        const props = new Map(ast.propertySignatures.map((p) => [p.name, p.type] as const));
        for (const key in v) {
          if (out.length >= max) return;
          const type = props.get(key);
          if (type === undefined) out.push({ path: [...path, key], message });
          else walk(type, v[key], [...path, key], out, max);
        }
        return;
      }
      default:
        return;
    }
  };
  return (input, max) => {
    const out: Issue[] = [];
    walk(root, input, [], out, max);
    return out;
  };
};

/** Whether a JSON value has more than `max` nodes (objects, arrays, keys and scalars); stops counting past it. */
export const largerThan = (value: unknown, max: number): boolean => {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++count > max) return true;
    if (v !== null && typeof v === "object") {
      if (Array.isArray(v)) for (const x of v) stack.push(x);
      else for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
};
