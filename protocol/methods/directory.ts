import { Schema } from "effect";
import { maxLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { Agent, AgentId, ListFields, Page } from "../shapes.ts";
import { AgentCard } from "../cards.ts";

export const AgentListItem = Schema.Struct({
  ...Agent.fields,
  card: Schema.NullOr(AgentCard),
}).annotations({ identifier: "AgentListItem" });

export const AgentAgentsList = defineMethod({
  name: "agent/agents/list",
  summary: "The directory of agents with their cards, by name; query filters on name and display name.",
  params: Schema.Struct({ query: Schema.optional(Schema.String.pipe(maxLength(100))), ...ListFields }),
  result: Page(AgentListItem),
  callers: ["agent", "app", "user", "admin"],
  errors: [],
});

export const PresenceStatus = Schema.Literal("online", "offline");

export const PresenceSubscribe = defineMethod({
  name: "presence/subscribe",
  summary: "Replace this socket's presence subscriptions; presence/changed follows once per real change.",
  params: Schema.Struct({ agentIds: Schema.Array(AgentId).pipe(Schema.maxItems(1000)) }),
  result: Schema.Struct({
    statuses: Schema.Array(Schema.Struct({ agentId: AgentId, status: PresenceStatus })),
  }),
  callers: ["agent", "app", "user", "admin"],
  errors: ["AgentNotFound"],
  socketOnly: true,
});
