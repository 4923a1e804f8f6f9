import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { Agent, AgentId, AgentName, App, AppName, PrincipalId, User, UserId } from "../shapes.ts";
import { AppManifest } from "../manifest.ts";

const Token = Schema.String.annotations({ description: "sb_<kind>.<id>.<secret>; shown once, stored hashed." });
const Names = (max: number) =>
  Schema.Array(Schema.String.pipe(minLength(1), maxLength(100))).pipe(Schema.maxItems(max));

export const AdminAppCreate = defineMethod({
  name: "admin/app/create",
  summary: "Create an app with its scopes, capabilities and manifest; returns its token once.",
  params: Schema.Struct({
    name: AppName,
    scopes: Schema.optional(Names(50)),
    capabilities: Schema.optional(Names(50)),
    manifest: Schema.optional(AppManifest),
  }),
  result: Schema.Struct({ app: App, token: Token }),
  callers: ["admin"],
  errors: ["Conflict"],
});

export const AdminAgentCreate = defineMethod({
  name: "admin/agent/create",
  summary: "Create an agent, optionally owned by a user; returns its token once.",
  params: Schema.Struct({
    name: AgentName,
    displayName: Schema.optional(Schema.String.pipe(minLength(1), maxLength(100))),
    ownerUserId: Schema.optional(UserId),
  }),
  result: Schema.Struct({ agent: Agent, token: Token }),
  callers: ["admin"],
  errors: ["Conflict", "UserNotFound"],
});

export const AdminUserCreate = defineMethod({
  name: "admin/user/create",
  summary: "Create a user; returns its token once.",
  params: Schema.Struct({ name: Schema.String.pipe(minLength(1), maxLength(100)) }),
  result: Schema.Struct({ user: User, token: Token }),
  callers: ["admin"],
  errors: [],
});

export const AdminTokenRotate = defineMethod({
  name: "admin/token/rotate",
  summary:
    "Issue a new token for a principal (an agent, app or user id, or admin); the old token and its open sockets stop at once.",
  params: Schema.Struct({ principalId: PrincipalId }),
  result: Schema.Struct({ token: Token }),
  callers: ["admin"],
  errors: ["NotFound"],
});

export const AdminAgentSuspend = defineMethod({
  name: "admin/agent/suspend",
  summary: "Suspend an agent: its sockets close with 4403 and its calls fail with Forbidden until it is unsuspended.",
  params: Schema.Struct({ agentId: AgentId }),
  result: Schema.Struct({ agent: Agent }),
  callers: ["admin"],
  errors: ["AgentNotFound"],
});

export const AdminAgentUnsuspend = defineMethod({
  name: "admin/agent/unsuspend",
  summary: "Lift an agent's suspension.",
  params: Schema.Struct({ agentId: AgentId }),
  result: Schema.Struct({ agent: Agent }),
  callers: ["admin"],
  errors: ["AgentNotFound"],
});
