import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { Empty, UserId } from "../shapes.ts";
import { ActionDeclarations, CatalogEntry } from "./catalog.ts";
import { EventPattern } from "./events.ts";
import { ConfirmationId } from "./ids.ts";
import { ActionContext } from "./shapes.ts";

/** Section 7: the catalog, invocation, confirmation, batches and the app-side declarations. */
const Invokers = ["agent", "app", "user"] as const;

export const ActionName = Schema.String.pipe(minLength(1), maxLength(200)).annotations({
  description: "An action id from actions/list: a built-in (intent.create) or an app's (<appName>.<id>).",
});
export const ActionParams = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  description: "The action's params, checked against its input schema.",
});
export const IdempotencyKey = Schema.String.pipe(minLength(1), maxLength(255)).annotations({
  description:
    "Kept per (caller, key) for 24 h: a repeat with the same action, params and actorUserId returns the stored result.",
});
const ActorUserId = UserId.annotations({
  description: "The user an app acts for (required from apps); users act for themselves, agents for their owner.",
});

/** The errors a single invocation can end with, in the order of the checks of 7.2. */
export const invocationErrors = [
  "ActionNotFound",
  "ActionForbidden",
  "ScopeMissing",
  "CapabilityMissing",
  "NoDelegatedGrant",
  "GrantModeledOnly",
  "IdempotencyConflict",
  "Forbidden",
  "NotFound",
  "UserNotFound",
  "Conflict",
  "ConfirmationRequired",
  "ActionUnavailable",
] as const;

export const ActionsList = defineMethod({
  name: "actions/list",
  summary:
    "The action catalog as the caller may see it: the built-in families and the actions apps declared (agents never see agent_visible: false; only agents see agent_only).",
  params: Empty,
  result: Schema.Struct({ actions: Schema.Array(CatalogEntry) }),
  callers: Invokers,
  errors: [],
});

export const ActionsInvoke = defineMethod({
  name: "actions/invoke",
  summary:
    "Invoke an action. Checks in order: the action is visible, the caller type's permission, for apps scope actions.invoke, the capability and a grant from actorUserId, idempotency, ownership or membership, confirmation; then it runs and its event is logged.",
  params: Schema.Struct({
    action: ActionName,
    params: ActionParams,
    actorUserId: Schema.optional(ActorUserId),
    idempotencyKey: Schema.optional(IdempotencyKey),
    confirmationId: Schema.optional(ConfirmationId),
    _context: Schema.optional(ActionContext),
  }),
  result: Schema.Struct({ result: Schema.Unknown }),
  callers: Invokers,
  errors: invocationErrors,
});

export const ActionsConfirm = defineMethod({
  name: "actions/confirm",
  summary:
    "The acting user approves or rejects an action waiting for confirmation; the invoker then repeats its call with confirmationId (good once, for that action and those params, until it expires).",
  params: Schema.Struct({ confirmationId: ConfirmationId, approve: Schema.Boolean }),
  result: Empty,
  callers: ["user"],
  errors: ["NotFound", "Forbidden", "Conflict"],
});

export const BatchItem = Schema.Struct({
  action: ActionName,
  params: ActionParams,
  actorUserId: Schema.optional(ActorUserId),
  idempotencyKey: Schema.optional(IdempotencyKey),
}).annotations({ identifier: "BatchItem" });

export const WireErrorObject = Schema.Struct({
  code: Schema.Number,
  message: Schema.String,
  data: Schema.Struct({ tag: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown })),
}).annotations({ identifier: "Error" });

export const BatchResult = Schema.Union(
  Schema.Struct({ success: Schema.Literal(true), result: Schema.Unknown }),
  Schema.Struct({ success: Schema.Literal(false), error: WireErrorObject }),
).annotations({ identifier: "BatchResult" });
export type BatchResult = typeof BatchResult.Type;

export const ActionsBatch = defineMethod({
  name: "actions/batch",
  summary:
    "Invoke 1 to 50 actions, one after the other, each through the whole pipeline on its own; results come in the same order, each a success or an error.",
  params: Schema.Struct({ actions: Schema.Array(BatchItem).pipe(Schema.minItems(1), Schema.maxItems(50)) }),
  result: Schema.Struct({ results: Schema.Array(BatchResult) }),
  callers: Invokers,
  errors: [],
});

export const AppManifestUpdate = defineMethod({
  name: "app/manifest/update",
  summary:
    "Replace the calling app's declared actions; they appear in the catalog as <appName>.<id> and run through action/execute. Destructive actions must be forbidden or confirmation_required for agents.",
  params: Schema.Struct({ actions: ActionDeclarations }),
  result: Schema.Struct({ actions: Schema.Array(CatalogEntry) }),
  callers: ["app"],
  errors: ["Conflict"],
});

export const EventsSubscribe = defineMethod({
  name: "events/subscribe",
  summary:
    "Replace the app's event subscriptions (patterns such as intent.*, chat.message.sent or *; [] unsubscribes). The app then receives those events of users who hold an active grant for it. Needs scope events.subscribe.",
  params: Schema.Struct({ events: Schema.Array(EventPattern).pipe(Schema.maxItems(50)) }),
  result: Schema.Struct({ events: Schema.Array(Schema.String) }),
  callers: ["app"],
  errors: ["ScopeMissing"],
});
