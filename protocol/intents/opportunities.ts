import { Schema } from "effect";
import { IntentName } from "./names.ts";
import { DateTime, HttpUrl, OneOf, Text4k, optional } from "./fields.ts";

export const Opportunity = Schema.Struct({
  type: OneOf("role", "investment", "collaboration", "advisory", "event", "other"),
  title: Text4k,
  description: Text4k,
  matchReason: Text4k,
  org: optional(Text4k),
  expiresAt: optional(DateTime),
  url: optional(HttpUrl),
}).annotations({
  identifier: "OpportunityPayload",
  title: "opportunity",
  description:
    "Surface a role, deal or other opportunity, and why it is relevant to the recipient (matchReason). Answered by opportunity_response.",
});

export const OpportunityResponse = Schema.Struct({
  status: OneOf("interested", "not_interested", "maybe_later"),
  note: optional(Text4k),
  followUpIntent: optional(IntentName),
}).annotations({
  identifier: "OpportunityResponsePayload",
  title: "opportunity_response",
  description:
    "Reply to an opportunity; followUpIntent suggests the next intent, e.g. schedule_meeting. Carries the opportunity's correlationId.",
});
