import type { Schema } from "effect";
import { strictDecoder, type Decoded } from "../codec.ts";
import { intentNames, type IntentName } from "./names.ts";
import { ConnectionRequest, ConnectionResponse } from "./connection.ts";
import { ScheduleMeeting, ScheduleMeetingResponse } from "./scheduling.ts";
import { IntroRequest, IntroResponse } from "./introductions.ts";
import { Opportunity, OpportunityResponse } from "./opportunities.ts";
import { Ask, AskResponse } from "./questions.ts";
import { ContextShare, FollowUp, MultiPartySync, Ping, Retract } from "./one-way.ts";

/**
 * The payload schema of each intent: the one definition the hub validates
 * with and publishes as JSON Schema (intents/schemas, rpc.discover).
 */
export const intentPayloads = {
  connection_request: ConnectionRequest,
  connection_response: ConnectionResponse,
  schedule_meeting: ScheduleMeeting,
  schedule_meeting_response: ScheduleMeetingResponse,
  intro_request: IntroRequest,
  intro_response: IntroResponse,
  opportunity: Opportunity,
  opportunity_response: OpportunityResponse,
  ask: Ask,
  ask_response: AskResponse,
  follow_up: FollowUp,
  context_share: ContextShare,
  ping: Ping,
  retract: Retract,
  multi_party_sync: MultiPartySync,
} as const satisfies { readonly [N in IntentName]: Schema.Schema<any, any, never> };

export type IntentPayloads = typeof intentPayloads;
/** An intent's payload as decoded by the hub. */
export type IntentPayload<N extends IntentName> = Schema.Schema.Type<IntentPayloads[N]>;
/** An intent's payload as JSON, what a sender passes. */
export type IntentPayloadInput<N extends IntentName> = Schema.Schema.Encoded<IntentPayloads[N]>;

/** An intent with its payload; narrowing on `intent` types `payload`. */
export type AnyIntent = { [N in IntentName]: { readonly intent: N; readonly payload: IntentPayload<N> } }[IntentName];

const decoderOf = (schema: Schema.Schema.AnyNoContext) => strictDecoder(schema);
const decoders = Object.fromEntries(intentNames.map((name) => [name, decoderOf(intentPayloads[name])])) as {
  readonly [N in IntentName]: (input: unknown) => Decoded<IntentPayload<N>>;
};

/** Check a payload against its intent's strict schema; issue paths are relative to the payload. */
export const decodeIntentPayload = <N extends IntentName>(intent: N, payload: unknown): Decoded<IntentPayload<N>> => {
  // JSON has no undefined: an undefined payload was left out.
  if (payload === undefined) return { ok: false, issues: [{ path: [], message: "is missing" }] };
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    const got = payload === null ? "null" : Array.isArray(payload) ? "an array" : typeof payload;
    return { ok: false, issues: [{ path: [], message: `expected the ${intent} payload, an object, got ${got}` }] };
  }
  return decoders[intent](payload);
};
