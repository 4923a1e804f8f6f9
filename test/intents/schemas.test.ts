import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intentNames } from "../../protocol/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { payloadSpec } from "./spec.ts";

type Json = Record<string, any>;

describe("intents/schemas publishes the JSON Schema of every payload", () => {
  let t: TestHub;
  let schemas: Record<string, Json>;
  beforeAll(async () => {
    t = await TestHub.start();
    const alice = await t.connectedAgent();
    schemas = (await alice.client.call("intents/schemas")).schemas;
  });
  afterAll(() => t.stop());

  it("has one schema per intent, each a strict draft-07 object", () => {
    expect(Object.keys(schemas).sort()).toEqual([...intentNames].sort());
    for (const intent of intentNames) {
      const s = schemas[intent]!;
      expect(s.$schema).toBe("http://json-schema.org/draft-07/schema#");
      expect(s.type).toBe("object");
      expect(s.additionalProperties, intent).toBe(false);
      expect(s.title).toBe(intent);
      expect(typeof s.description).toBe("string");
    }
  });

  it("lists the fields of section 8, required and optional, with their enums, counts and formats", () => {
    for (const intent of intentNames) {
      const s = schemas[intent]!;
      const spec = payloadSpec[intent];
      expect(Object.keys(s.properties).sort(), intent).toEqual(Object.keys(spec).sort());
      expect([...s.required].sort(), intent).toEqual(
        Object.entries(spec)
          .filter(([, f]) => f.required)
          .map(([k]) => k)
          .sort(),
      );
      for (const [name, { field }] of Object.entries(spec)) {
        const p = s.properties[name];
        const where = `${intent}.${name}`;
        switch (field.kind) {
          case "enum":
            expect(p.enum, where).toEqual(field.values);
            break;
          case "time":
            expect(p.format, where).toBe("date-time");
            break;
          case "times":
          case "dids":
          case "texts":
            expect([p.type, p.minItems, p.maxItems], where).toEqual(["array", field.min, field.max]);
            break;
          case "url":
            expect(p.format, where).toBe("http-url"); // docs/RELIABILITY.md: URL fields
            break;
          case "did":
            expect(p.pattern, where).toMatch(/^\^did:switchboard:/);
            break;
          case "profile":
            expect([p.type, p.additionalProperties, p.required], where).toEqual([
              "object",
              false,
              ["headline", "skills", "interests", "openTo"],
            ]);
            break;
          case "text":
            expect([p.type, p.minLength, p.maxLength], where).toEqual(["string", 1, 4000]);
            break;
          case "index":
            expect([p.type, p.minimum], where).toEqual(["integer", 0]);
            break;
          case "intent":
            expect(p.enum, where).toEqual([...intentNames]);
            break;
          case "messageId":
            expect(p.type, where).toBe("string");
            break;
        }
      }
    }
  });

  it("states the rules that tie one field to another", () => {
    expect(schemas.connection_request).toMatchObject({
      if: { properties: { method: { const: "intro" } } },
      then: { required: ["introducedBy"] },
    });
    expect(schemas.ask!.allOf).toContainEqual({
      if: { properties: { responseFormat: { const: "choice" } }, required: ["responseFormat"] },
      then: { required: ["choices"] },
    });
  });

  it("needs an authenticated connection", async () => {
    const raw = await t.raw();
    const answer = await raw.request("intents/schemas", {});
    expect(answer.error?.data.tag).toBe("Unauthorized");
  });
});

describe("rpc.discover documents intent parts keyed by intent", () => {
  let t: TestHub;
  let doc: Json;
  beforeAll(async () => {
    t = await TestHub.start();
    const raw = await t.raw();
    doc = (await raw.request("rpc.discover")).result;
  });
  afterAll(() => t.stop());

  const resolve = (ref: string): Json => {
    expect(ref.startsWith("#/components/schemas/"), ref).toBe(true);
    const found = doc.components.schemas[ref.slice("#/components/schemas/".length)];
    expect(found, ref).toBeDefined();
    return found;
  };

  it("describes IntentPart as one variant per intent, whose payload is that intent's schema", async () => {
    const alice = await t.connectedAgent();
    const { schemas } = await alice.client.call("intents/schemas");
    const variants: Json[] = resolve("#/components/schemas/IntentPart").anyOf.map((v: Json) => resolve(v.$ref));
    expect(variants.map((v) => v.properties.intent.enum[0])).toEqual([...intentNames]);
    for (const v of variants) {
      const intent = v.properties.intent.enum[0] as (typeof intentNames)[number];
      expect(v.additionalProperties).toBe(false);
      expect(v.required).toEqual(["type", "intent", "payload"]);
      const payload = resolve(v.properties.payload.$ref);
      expect(Object.keys(payload.properties), intent).toEqual(Object.keys((schemas[intent] as Json).properties));
      expect(payload.required, intent).toEqual((schemas[intent] as Json).required);
      expect(payload.additionalProperties, intent).toBe(false);
    }
  });

  it("lists the card and schema methods, and the intent errors of messages/send", () => {
    const byName = new Map<string, Json>(doc.methods.map((m: Json) => [m.name, m]));
    for (const name of ["agent/card/update", "agent/card/get", "intents/schemas"])
      expect(byName.has(name), name).toBe(true);
    const tags = byName.get("messages/send")!.errors.map((e: Json) => e.data.tag);
    expect(tags).toEqual(
      expect.arrayContaining(["IntentNotSupported", "IntentNotDeclared", "CorrelationNotFound", "AgentNotFound"]),
    );
  });

  it("has no dangling $ref", () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "$ref" && typeof x === "string") refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) resolve(ref);
  });
});
