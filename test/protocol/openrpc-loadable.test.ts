import { describe, expect, it } from "vitest";
import { buildOpenRpc } from "../../protocol/index.ts";

/** Issue 9, class 7: the OpenRPC document loads into JSON Schema tools as one unit. */
describe("the OpenRPC document is loadable by JSON Schema tools", () => {
  const doc = buildOpenRpc("test");
  const walk = (v: unknown, visit: (o: Record<string, unknown>) => void): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, visit);
    else if (v !== null && typeof v === "object") {
      visit(v as Record<string, unknown>);
      for (const x of Object.values(v)) walk(x, visit);
    }
  };

  it("defines no $id twice (it defined /schemas/unknown fifteen times)", () => {
    const ids: string[] = [];
    walk(doc, (o) => typeof o.$id === "string" && ids.push(o.$id));
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("puts no validation keyword beside a $ref, where draft-07 validators ignore it", () => {
    const beside: string[] = [];
    const annotations = new Set(["$ref", "description", "title", "examples", "default", "$comment"]);
    walk(doc, (o) => {
      if (typeof o.$ref === "string") beside.push(...Object.keys(o).filter((k) => !annotations.has(k)));
    });
    expect(beside).toEqual([]);
  });
});
