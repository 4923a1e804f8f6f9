import { Schema } from "effect";
import { defineNotification } from "../define.ts";
import { Timestamp } from "../shapes.ts";
import { ConfirmationId } from "./ids.ts";
import { Consent, Grant, Invoker } from "./shapes.ts";

/** Section 9: the notifications of delegated authority and confirmation. All are logged. */
export const ConsentRequested = defineNotification({
  name: "consent/requested",
  summary: "An app asks the user for a grant; answer with consent/approve or consent/reject. To the user.",
  params: Schema.Struct({ consent: Consent }),
  logged: true,
});

export const ConsentApproved = defineNotification({
  name: "consent/approved",
  summary: "The user approved the app's consent request; `grant` is the executable grant it created. To the app.",
  params: Schema.Struct({ consent: Consent, grant: Grant }),
  logged: true,
});

export const ConsentRejected = defineNotification({
  name: "consent/rejected",
  summary: "The user rejected the app's consent request. To the app.",
  params: Schema.Struct({ consent: Consent }),
  logged: true,
});

export const GrantRevoked = defineNotification({
  name: "grant/revoked",
  summary: "A grant held by the app was revoked; it no longer authorizes anything. To the app.",
  params: Schema.Struct({ grant: Grant }),
  logged: true,
});

export const ActionConfirmationRequested = defineNotification({
  name: "action/confirmation-requested",
  summary:
    "An invoker asks to run an action for this user that needs their confirmation; answer with actions/confirm before expiresAt. To the acting user.",
  params: Schema.Struct({
    confirmationId: ConfirmationId,
    action: Schema.String,
    params: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    invoker: Invoker,
    expiresAt: Timestamp,
  }),
  logged: true,
});
