import type { Sql } from "../sql.ts";
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
export const makeActionStorage = (sql: Sql) => ({
  catalog: makeCatalog(sql),
  grants: makeGrants(sql),
  consents: makeConsents(sql),
  confirmations: makeConfirmations(sql),
  idempotency: makeIdempotency(sql),
  subscriptions: makeSubscriptions(sql),
  userIntents: makeUserIntents(sql),
  requests: makeRequests(sql),
  connections: makeConnections(sql),
  chats: makeChats(sql),
  circles: makeCircles(sql),
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
