import { Schema } from "effect";
import { defineMethod } from "../define.ts";
import { AgentId, Empty } from "../shapes.ts";
import { AgentCard } from "../cards.ts";
import { IntentName } from "../intents/names.ts";

export const AgentCardUpdate = defineMethod({
  name: "agent/card/update",
  summary:
    "Publish the calling agent's card, replacing the previous one: which intents it accepts and sends. An agent without a card accepts and sends every intent.",
  params: Schema.Struct({ card: AgentCard }),
  result: Schema.Struct({ card: AgentCard }),
  callers: ["agent"],
  errors: [],
});

export const AgentCardGet = defineMethod({
  name: "agent/card/get",
  summary: "An agent's card, or null when it has published none.",
  params: Schema.Struct({ agentId: AgentId }),
  result: Schema.Struct({ agentId: AgentId, card: Schema.NullOr(AgentCard) }),
  callers: ["agent", "app", "user", "admin"],
  errors: ["AgentNotFound"],
});

const JsonSchemaObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "JsonSchemaObject",
  description: "A JSON Schema (draft-07).",
});

export const IntentsSchemas = defineMethod({
  name: "intents/schemas",
  summary:
    "The JSON Schema of every intent's payload, by intent name, generated from the schemas the hub validates intent parts with.",
  params: Empty,
  result: Schema.Struct({ schemas: Schema.Record({ key: IntentName, value: JsonSchemaObject }) }),
  callers: ["agent", "app", "user", "admin"],
  errors: [],
});
