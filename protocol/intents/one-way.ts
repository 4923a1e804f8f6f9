import { Schema } from "effect";
import { DateTime, Did, Items, MessageId, OneOf, Text4k, optional } from "./fields.ts";

export const FollowUp = Schema.Struct({
  referenceId: MessageId,
  message: Text4k,
  actionRequested: optional(OneOf("reply", "schedule", "review", "none")),
}).annotations({
  identifier: "FollowUpPayload",
  title: "follow_up",
  description: "Nudge an earlier exchange; referenceId is the id of a message of the same conversation.",
});

export const ContextShare = Schema.Struct({
  context: Text4k,
  category: OneOf("professional_background", "project_update", "expertise", "availability", "general"),
  referenceId: optional(Text4k),
  expiresAt: optional(DateTime),
}).annotations({
  identifier: "ContextSharePayload",
  title: "context_share",
  description: "Share context with no reply expected.",
});

export const Ping = Schema.Struct({
  note: optional(Text4k),
}).annotations({
  identifier: "PingPayload",
  title: "ping",
  description: "A lightweight nudge or keepalive.",
});

export const Retract = Schema.Struct({
  targetMessageId: MessageId,
  reason: optional(Text4k),
}).annotations({
  identifier: "RetractPayload",
  title: "retract",
  description:
    "Withdraw a message the sender sent earlier in the same conversation: its parts are emptied, retractedAt is set and message/retracted goes to the participants.",
});

export const MultiPartySync = Schema.Struct({
  enclaveType: OneOf("meeting_sync"),
  purpose: Text4k,
  participants: Items(Did, 2, 20),
  expiresAt: DateTime,
}).annotations({
  identifier: "MultiPartySyncPayload",
  title: "multi_party_sync",
  description: "Coordinate a multi-party enclave of 2 to 20 agents, named by their DIDs.",
});
