import type { Db } from "../db.ts";
import { makeCatalog } from "./catalog.ts";
import { makeChats } from "./chats.ts";
import { makeCircles } from "./circles.ts";
import { makeConfirmations } from "./confirmations.ts";
import { makeConnections } from "./connections.ts";
import { makeConsents } from "./consents.ts";
import { makeGrants } from "./grants.ts";
import { makeIdempotency } from "./idempotency.ts";
import { makeRequests } from "./requests.ts";
import { makeSubscriptions } from "./subscriptions.ts";
import { makeUserIntents } from "./user-intents.ts";

/** The storage of section 7: authority, confirmation, idempotency, subscriptions and the built-in families. */
export const makeActionStorage = (db: Db) => ({
  catalog: makeCatalog(db),
  grants: makeGrants(db),
  consents: makeConsents(db),
  confirmations: makeConfirmations(db),
  idempotency: makeIdempotency(db),
  subscriptions: makeSubscriptions(db),
  userIntents: makeUserIntents(db),
  requests: makeRequests(db),
  connections: makeConnections(db),
  chats: makeChats(db),
  circles: makeCircles(db),
});
export type ActionStorage = ReturnType<typeof makeActionStorage>;

export type { GrantRecord } from "./grants.ts";
export type { ConsentRecord } from "./consents.ts";
export type { ConfirmationRecord, ConfirmationStatus } from "./confirmations.ts";
export type { StoredResponse } from "./idempotency.ts";
export type { UserIntentRecord } from "./user-intents.ts";
export type { ConnectionRecord } from "./connections.ts";
export type { ChatRecord } from "./chats.ts";
export type { CircleRecord } from "./circles.ts";
export type { DeclaringApp } from "./catalog.ts";
