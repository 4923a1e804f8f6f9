import { Schema } from "effect";
import { ProfileSnapshot } from "../cards.ts";
import { Did, OneOf, Text4k, optional, requiredWhen, whenEquals } from "./fields.ts";

export const ConnectionRequest = Schema.Struct({
  method: OneOf("qr", "intro", "discovery", "import"),
  context: Text4k,
  profileSnapshot: ProfileSnapshot,
  introducedBy: optional(Did),
})
  .pipe(
    Schema.filter(
      (p) => p.method !== "intro" || p.introducedBy !== undefined || requiredWhen("introducedBy", 'method is "intro"'),
      { jsonSchema: { if: whenEquals("method", "intro"), then: { required: ["introducedBy"] } } },
    ),
  )
  .annotations({
    identifier: "ConnectionRequestPayload",
    title: "connection_request",
    description:
      "First contact between two agents: how the sender found the recipient (method), why it reaches out (context) and its public profile. introducedBy, the introducing agent's DID, is required when method is intro. Answered by connection_response.",
  });

export const ConnectionResponse = Schema.Struct({
  status: OneOf("accepted", "declined", "pending"),
  profileSnapshot: optional(ProfileSnapshot),
  note: optional(Text4k),
}).annotations({
  identifier: "ConnectionResponsePayload",
  title: "connection_response",
  description: "Reply to a connection_request; carries its correlationId.",
});
