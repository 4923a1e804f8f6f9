import { OneOf } from "./kit.ts";

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

export const IntentName = OneOf(...intentNames).annotations({ identifier: "IntentName" });
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

/** Response intent → the request intent it answers. */
export const requestOf = Object.fromEntries(
  Object.entries(responseOf).map(([request, response]) => [response, request]),
) as {
  readonly [R in RequestIntent as (typeof responseOf)[R]]: R;
};

export const isRequestIntent = (intent: IntentName): intent is RequestIntent => Object.hasOwn(responseOf, intent);
export const isResponseIntent = (intent: IntentName): intent is ResponseIntent => Object.hasOwn(requestOf, intent);
