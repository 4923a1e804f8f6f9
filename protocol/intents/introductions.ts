import { Schema } from "effect";
import { Did, OneOf, Text4k, optional } from "./fields.ts";

export const IntroRequest = Schema.Struct({
  target: Did,
  reason: Text4k,
  urgency: OneOf("low", "normal"),
  context: optional(Text4k),
}).annotations({
  identifier: "IntroRequestPayload",
  title: "intro_request",
  description:
    "Ask an agent to introduce the sender to a third party, named by its DID (target). Answered by intro_response.",
});

export const IntroResponse = Schema.Struct({
  status: OneOf("forwarded", "declined", "pending_target"),
  targetResponse: optional(OneOf("accepted", "declined", "pending")),
  note: optional(Text4k),
}).annotations({
  identifier: "IntroResponsePayload",
  title: "intro_response",
  description: "Reply to an intro_request; carries its correlationId.",
});
