import { JSONSchema } from "effect";
import { intentNames, type IntentName } from "./names.ts";
import { intentPayloads } from "./payloads.ts";

export type JsonSchemaObject = Record<string, unknown>;

/**
 * The JSON Schema (draft-07) of one intent's payload, generated from the
 * schema the hub validates with. Self-contained: nested definitions are
 * inlined, so each can be used on its own.
 */
export const intentJsonSchema = (intent: IntentName): JsonSchemaObject => ({
  $schema: "http://json-schema.org/draft-07/schema#",
  ...JSONSchema.fromAST(intentPayloads[intent].ast, { definitions: {}, topLevelReferenceStrategy: "skip" }),
});

let all: Readonly<Record<IntentName, JsonSchemaObject>> | undefined;

/** The JSON Schemas of all fifteen payloads, by intent (intents/schemas); built once. */
export const intentJsonSchemas = (): Readonly<Record<IntentName, JsonSchemaObject>> =>
  (all ??= Object.fromEntries(intentNames.map((name) => [name, intentJsonSchema(name)])) as Record<
    IntentName,
    JsonSchemaObject
  >);
