import { Schema } from "effect";

/** The fifteen intents of section 8, and which response answers which request. */
export const intentNames = [
  "connection_request",
  "connection_response",
  "schedule_meeting",
  "schedule_meeting_response",
  "intro_request",
  "intro_response",
  "opportunity",
  "opportunity_response",
  "ask",
  "ask_response",
  "follow_up",
  "context_share",
  "ping",
  "retract",
  "multi_party_sync",
] as const;

export const IntentName = Schema.Literal(...intentNames).annotations({ identifier: "IntentName" });
export type IntentName = typeof IntentName.Type;

/** Request intent → the response intent that answers it. */
export const responseOf = {
  connection_request: "connection_response",
  schedule_meeting: "schedule_meeting_response",
  intro_request: "intro_response",
  opportunity: "opportunity_response",
  ask: "ask_response",
} as const satisfies Partial<Record<IntentName, IntentName>>;

export type RequestIntent = keyof typeof responseOf;
export type ResponseIntent = (typeof responseOf)[RequestIntent];
