import { Schema } from "effect";
import { defineMethod } from "../define.ts";
import { Cursor, Empty, ListFields, Page, Timestamp } from "../shapes.ts";
import { HttpUrl } from "../url.ts";

/** Section 12: an app's endpoint, where the hub POSTs what a socket of the app would receive. */
export const Webhook = Schema.Struct({
  url: HttpUrl,
  status: Schema.Literal("active", "paused"),
  createdAt: Timestamp,
  pausedAt: Schema.optional(Timestamp),
  failure: Schema.optional(
    Schema.String.annotations({ description: "Why delivery paused: the last attempt's outcome." }),
  ),
}).annotations({ identifier: "Webhook" });
export type Webhook = typeof Webhook.Type;

/** One POST to the webhook: an event's attempt (with its cursor) or a callback (with its id). */
export const WebhookDelivery = Schema.Struct({
  eventCursor: Schema.optional(Cursor),
  callbackId: Schema.optional(Schema.String),
  method: Schema.String,
  attempt: Schema.Int,
  outcome: Schema.Literal("delivered", "failed"),
  httpStatus: Schema.optional(Schema.Int),
  error: Schema.optional(Schema.String),
  durationMs: Schema.Int,
  at: Timestamp,
}).annotations({ identifier: "WebhookDelivery" });
export type WebhookDelivery = typeof WebhookDelivery.Type;

const WebhookSecret = Schema.String.annotations({
  description: "whsec_ and the base64 of 32 random bytes; returned only by app/webhook/set.",
});

export const AppWebhookSet = defineMethod({
  name: "app/webhook/set",
  summary:
    "Register (or replace) the calling app's webhook URL; returns a new signing secret. After a replacement both secrets sign for 24 hours.",
  params: Schema.Struct({ url: HttpUrl }),
  result: Schema.Struct({ webhook: Webhook, secret: WebhookSecret }),
  callers: ["app"],
  errors: [],
});

export const AppWebhookGet = defineMethod({
  name: "app/webhook/get",
  summary: "The calling app's webhook, or null when it has none.",
  params: Empty,
  result: Schema.Struct({ webhook: Schema.NullOr(Webhook) }),
  callers: ["app"],
  errors: [],
});

export const AppWebhookDelete = defineMethod({
  name: "app/webhook/delete",
  summary: "Remove the calling app's webhook; undelivered events stay in its event log (events/replay).",
  params: Empty,
  result: Empty,
  callers: ["app"],
  errors: [],
});

export const AppWebhookResume = defineMethod({
  name: "app/webhook/resume",
  summary: "Restart a paused webhook at the first undelivered event, with a fresh retry schedule.",
  params: Empty,
  result: Schema.Struct({ webhook: Webhook }),
  callers: ["app"],
  errors: ["NotFound"],
});

export const AppWebhookDeliveries = defineMethod({
  name: "app/webhook/deliveries",
  summary: "The calling app's recent webhook attempts (events and callbacks), newest first.",
  params: Schema.Struct(ListFields),
  result: Page(WebhookDelivery),
  callers: ["app"],
  errors: [],
});
