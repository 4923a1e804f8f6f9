import { Schema } from "effect";
import { maxLength, minLength } from "./length.ts";
import { IntentName } from "./intents/names.ts";
import { optional } from "./intents/kit.ts";

/** A non-empty string of at most 4,000 characters: the default for intent and card text fields. */
export const Text4k = Schema.String.pipe(minLength(1), maxLength(4000));

export const ProfileSnapshot = Schema.Struct({
  headline: Text4k,
  skills: Schema.Array(Text4k).pipe(Schema.maxItems(100)),
  interests: Schema.Array(Text4k).pipe(Schema.maxItems(100)),
  openTo: Schema.Array(Text4k).pipe(Schema.maxItems(100)),
  availability: optional(Text4k),
}).annotations({ identifier: "ProfileSnapshot" });
export type ProfileSnapshot = typeof ProfileSnapshot.Type;

/** An agent card (section 8): what the agent is and which intents it accepts and sends. */
export const AgentCard = Schema.Struct({
  displayName: Text4k,
  description: optional(Text4k),
  capabilities: Schema.Struct({
    intentsAccepted: Schema.Array(IntentName).pipe(Schema.maxItems(15)),
    intentsSent: Schema.Array(IntentName).pipe(Schema.maxItems(15)),
  }),
  availability: optional(Text4k),
  profile: optional(ProfileSnapshot),
}).annotations({ identifier: "AgentCard" });
export type AgentCard = typeof AgentCard.Type;
