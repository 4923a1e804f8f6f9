import { Option, SchemaAST as AST } from "effect";

/** A predicate over untrusted input. */
export type Guard = (input: unknown) => boolean;

const OPTIONS: AST.ParseOptions = { errors: "first", onExcessProperty: "error" };

class NotCompilable extends Error {}

/**
 * Compile a schema's AST into a plain predicate that answers true only when
 * the strict decoder would accept the input unchanged. It reuses the
 * schema's own refinement filters, so the rules stay in one place; anything
 * it cannot mirror exactly (transformations, declarations, template
 * literals) makes it give up, and the caller decodes with Effect as before.
 *
 * It is an accelerator, not a second validator: a false answer proves
 * nothing, and the decoder then produces the verdict and the issues. Tests
 * check, for every method's params, that it never accepts what Effect
 * refuses.
 */
export const compileGuard = (ast: AST.AST): Guard | undefined => {
  try {
    return compile(ast);
  } catch (e) {
    if (e instanceof NotCompilable) return undefined;
    throw e;
  }
};

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u);

const compile = (ast: AST.AST): Guard => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string";
    case "NumberKeyword":
      return (u) => typeof u === "number";
    case "BooleanKeyword":
      return (u) => typeof u === "boolean";
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true;
    case "NeverKeyword":
      return () => false;
    case "UndefinedKeyword":
      return (u) => u === undefined;
    case "Literal": {
      const literal = ast.literal;
      return (u) => u === literal;
    }
    case "Enums": {
      const values = new Set<unknown>(ast.enums.map(([, v]) => v));
      return (u) => values.has(u);
    }
    case "Refinement": {
      const from = compile(ast.from);
      const filter = ast.filter;
      return (u) => from(u) && Option.isNone(filter(u, OPTIONS, ast));
    }
    case "Union": {
      const members = ast.types.map(compile);
      return (u) => {
        for (const m of members) if (m(u)) return true;
        return false;
      };
    }
    case "Suspend": {
      let inner: Guard | undefined;
      const f = ast.f;
      return (u) => (inner ??= compile(f()))(u);
    }
    case "TupleType":
      return compileTuple(ast);
    case "TypeLiteral":
      return compileStruct(ast);
    default:
      throw new NotCompilable(ast._tag);
  }
};

const compileTuple = (ast: AST.TupleType): Guard => {
  if (ast.elements.length > 0 || ast.rest.length !== 1) throw new NotCompilable("tuple");
  const item = compile(ast.rest[0]!.type);
  return (u) => {
    if (!Array.isArray(u)) return false;
    for (const x of u) if (!item(x)) return false;
    return true;
  };
};

const compileStruct = (ast: AST.TypeLiteral): Guard => {
  const props = ast.propertySignatures.map((p) => {
    if (typeof p.name !== "string") throw new NotCompilable("symbol key");
    return { name: p.name, optional: p.isOptional, guard: compile(p.type) };
  });
  const names = new Set(props.map((p) => p.name));
  if (ast.indexSignatures.length > 1) throw new NotCompilable("several index signatures");
  const index = ast.indexSignatures[0];
  if (index && index.parameter._tag !== "StringKeyword") throw new NotCompilable("index parameter");
  const value = index ? compile(index.type) : undefined;
  return (u) => {
    if (!isPlainObject(u)) return false;
    for (const p of props) {
      if (!Object.hasOwn(u, p.name)) {
        if (!p.optional) return false;
        continue;
      }
      if (!p.guard(u[p.name])) return false;
    }
    for (const key in u) {
      // Strict: an unknown key is an error unless an index signature admits it. (Declared keys
      // are held to the index signature too: stricter than needed is safe, the decoder decides.)
      if (names.has(key) && !value) continue;
      if (!value || !value(u[key])) return false;
    }
    return true;
  };
};
