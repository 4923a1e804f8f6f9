import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";

/** Ids of the action layer (section 4); branded like the core ids, plain strings on the wire. */
const id = <B extends string>(brand: B, prefix: string) =>
  Schema.String.pipe(minLength(1), maxLength(100), Schema.brand(brand)).annotations({
    identifier: brand,
    description: `An id, normally \`${prefix}<random>\`.`,
  });

/** A user's coordination intent (section 7.4), not a section 8 message intent. */
export const UserIntentId = id("UserIntentId", "int_");
export type UserIntentId = typeof UserIntentId.Type;
export const CoordinationRequestId = id("CoordinationRequestId", "req_");
export type CoordinationRequestId = typeof CoordinationRequestId.Type;
export const ConnectionId = id("ConnectionId", "con_");
export type ConnectionId = typeof ConnectionId.Type;
export const ChatId = id("ChatId", "cht_");
export type ChatId = typeof ChatId.Type;
export const ChatMessageId = id("ChatMessageId", "msg_");
export type ChatMessageId = typeof ChatMessageId.Type;
export const CircleId = id("CircleId", "crc_");
export type CircleId = typeof CircleId.Type;
export const GrantId = id("GrantId", "grt_");
export type GrantId = typeof GrantId.Type;
export const ConsentId = id("ConsentId", "cns_");
export type ConsentId = typeof ConsentId.Type;
export const ConfirmationId = id("ConfirmationId", "cfm_");
export type ConfirmationId = typeof ConfirmationId.Type;
export const EventId = id("EventId", "evt_");
export type EventId = typeof EventId.Type;
