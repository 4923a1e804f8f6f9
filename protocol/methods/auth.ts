import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { Agent, AgentName, Cursor, Principal } from "../shapes.ts";

const ProtocolVersion = Schema.String.pipe(
  Schema.pattern(/^[0-9]{1,6}$/, { message: () => 'a protocol version is an integer in a string, such as "1"' }),
);

export const AuthConnect = defineMethod({
  name: "auth/connect",
  summary:
    "Authenticate this socket with a token. With resumeAfter, the events logged after that cursor are pushed right after the response, in order, before any new ones.",
  params: Schema.Struct({
    token: Schema.String.pipe(maxLength(512)),
    minProtocol: Schema.optional(ProtocolVersion),
    maxProtocol: Schema.optional(ProtocolVersion),
    resumeAfter: Schema.optional(Cursor),
  }),
  result: Schema.Struct({
    principal: Principal,
    protocolVersion: Schema.Literal("1"),
    connectionId: Schema.String,
    heartbeatMs: Schema.Int,
    cursor: Cursor,
  }),
  callers: ["anonymous", "agent", "app", "user", "admin"],
  errors: ["Unauthorized", "Forbidden", "Conflict", "ProtocolMismatch"],
  socketOnly: true,
});

export const AuthRegister = defineMethod({
  name: "auth/register",
  summary:
    "Create an agent by self-registration, when the hub runs with --registration open, or secret with the matching secret.",
  params: Schema.Struct({
    name: AgentName,
    displayName: Schema.optional(Schema.String.pipe(minLength(1), maxLength(100))),
    registrationSecret: Schema.optional(Schema.String.pipe(maxLength(512))),
  }),
  result: Schema.Struct({ agent: Agent, token: Schema.String }),
  callers: ["anonymous", "agent", "app", "user", "admin"],
  errors: ["Forbidden", "Conflict"],
});
