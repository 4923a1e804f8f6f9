import { Schema } from "effect";
import { defineMethod } from "../define.ts";
import { AppId, ListFields, NonEmpty, Page, UserId } from "../shapes.ts";
import { ConsentId, GrantId } from "./ids.ts";
import { Capabilities, Consent, ConsentStatus, Grant } from "./shapes.ts";

/** Section 7.3: consent, grants and diagnosis. */
export const ConsentRequest = defineMethod({
  name: "consent/request",
  summary:
    "Ask a user to grant the app capabilities (each one the app holds) under scope actions.invoke; the user gets consent/requested and answers with consent/approve or consent/reject.",
  params: Schema.Struct({
    userId: UserId,
    capabilities: Capabilities,
    scope: Schema.Literal("actions.invoke"),
    note: Schema.optional(NonEmpty(1000)),
  }),
  result: Schema.Struct({ consent: Consent }),
  callers: ["app"],
  errors: ["ScopeMissing", "CapabilityMissing", "UserNotFound"],
});

export const ConsentList = defineMethod({
  name: "consent/list",
  summary: "The consent requests addressed to the calling user, newest first.",
  params: Schema.Struct({ status: Schema.optional(ConsentStatus), ...ListFields }),
  result: Page(Consent),
  callers: ["user"],
  errors: [],
});

export const ConsentApprove = defineMethod({
  name: "consent/approve",
  summary:
    "Approve a pending consent request addressed to you: the app gets an executable grant (and consent/approved).",
  params: Schema.Struct({ consentId: ConsentId }),
  result: Schema.Struct({ grant: Grant }),
  callers: ["user"],
  errors: ["NotFound", "Forbidden", "Conflict"],
});

export const ConsentReject = defineMethod({
  name: "consent/reject",
  summary: "Reject a pending consent request addressed to you (the app gets consent/rejected).",
  params: Schema.Struct({ consentId: ConsentId }),
  result: Schema.Struct({ consent: Consent }),
  callers: ["user"],
  errors: ["NotFound", "Forbidden", "Conflict"],
});

export const GrantsList = defineMethod({
  name: "grants/list",
  summary:
    "Grants newest first, revoked ones included: for an app, the grants it holds; for a user, the grants they gave.",
  params: Schema.Struct({ ...ListFields }),
  result: Page(Grant),
  callers: ["app", "user"],
  errors: [],
});

export const GrantsRevoke = defineMethod({
  name: "grants/revoke",
  summary:
    "Revoke a grant (a user their own, the admin any): it stops authorizing at once and the app gets grant/revoked.",
  params: Schema.Struct({ grantId: GrantId }),
  result: Schema.Struct({ grant: Grant }),
  callers: ["user", "admin"],
  errors: ["NotFound", "Forbidden", "Conflict"],
});

export const AdminGrantCreate = defineMethod({
  name: "admin/grant/create",
  summary:
    "Model a non-user grant (subjectType app, service or agent): stored with executionMode modeled_only, shown by diagnostics, never executable. User grants come only from consent.",
  params: Schema.Struct({
    appId: AppId,
    subjectType: Schema.Literal("app", "service", "agent").annotations({
      message: () =>
        'subjectType must be "app", "service" or "agent": user grants come only from consent/request and consent/approve',
    }),
    subjectId: NonEmpty(100),
    scope: NonEmpty(100),
    capabilities: Capabilities,
  }),
  result: Schema.Struct({ grant: Grant }),
  callers: ["admin"],
  errors: ["AppNotFound", "AgentNotFound"],
});

export const DiagnosedFailure = Schema.Literal(
  "ActionNotFound",
  "ActionForbidden",
  "ScopeMissing",
  "CapabilityMissing",
  "NoDelegatedGrant",
  "GrantModeledOnly",
);

export const AuthDiagnose = defineMethod({
  name: "auth/diagnose",
  summary:
    "What the calling app may do: its scopes and capabilities, its active grants (from actorUserId when given, plus the non-user ones), and for `action` the first check of 7.2 it would fail, with why.",
  params: Schema.Struct({ actorUserId: Schema.optional(UserId), action: Schema.optional(NonEmpty(200)) }),
  result: Schema.Struct({
    token: Schema.Struct({ status: Schema.Literal("valid") }),
    app: Schema.Struct({ id: AppId, scopes: Schema.Array(Schema.String), capabilities: Schema.Array(Schema.String) }),
    grants: Schema.Struct({ executable: Schema.Array(Grant), modeledOnly: Schema.Array(Grant) }),
    action: Schema.optional(
      Schema.Struct({
        action: Schema.String,
        executable: Schema.Boolean,
        failure: Schema.optional(DiagnosedFailure),
        message: Schema.optional(Schema.String),
        confirmationRequired: Schema.optional(Schema.Boolean),
      }),
    ),
  }),
  callers: ["app"],
  errors: [],
});
