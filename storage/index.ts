import { openDb, type Db, type OpenOptions } from "./db.ts";
import { TxCaches } from "./cache.ts";
import { makeAgents } from "./agents.ts";
import { makeApps } from "./apps.ts";
import { makeUsers } from "./users.ts";
import { makeCredentials } from "./credentials.ts";
import { makeTasks } from "./tasks.ts";
import { makeConversations } from "./conversations.ts";
import { makeMessages } from "./messages.ts";
import { makeEvents } from "./events.ts";
import { makeActionStorage } from "./actions/index.ts";
import { makeWebhooks } from "./webhooks.ts";

/**
 * The hub's storage: one module per aggregate, each a set of plain
 * functions over one better-sqlite3 handle with statements prepared once.
 * Nothing here knows about sockets or JSON-RPC; transactions are the
 * caller's (see server/committer.ts).
 */
export const openStorage = (file: string, options?: OpenOptions) => fromDb(openDb(file, options));

export const fromDb = (db: Db, caches = new TxCaches(db), tasks = makeTasks(db, caches)) => ({
  db,
  caches,
  agents: makeAgents(db),
  apps: makeApps(db, caches),
  users: makeUsers(db),
  credentials: makeCredentials(db),
  tasks,
  conversations: makeConversations(db, caches, tasks.status),
  messages: makeMessages(db),
  events: makeEvents(db, caches),
  actions: makeActionStorage(db),
  webhooks: makeWebhooks(db),
  close: () => db.close(),
});

export type Storage = ReturnType<typeof fromDb>;

export { openDb, migrate, listMigrations, type Db } from "./db.ts";
export { DEFAULT_APP_ID, type AppRecord } from "./apps.ts";
export type { TaskRecord, Membership } from "./tasks.ts";
export type { ConversationRecord, ConversationListEntry, ConversationPlace, SendContext } from "./conversations.ts";
export type { StoredMessage, MessageRange, MessagePlace } from "./messages.ts";
export type { LoggedEvent } from "./events.ts";
export type { WebhookRecord, DeliveryAttempt } from "./webhooks.ts";
export type { AgentWithCard } from "./agents.ts";
export type { PrincipalKind } from "./credentials.ts";
export { newId, newSecret, nowIso, idPrefixes, type IdKind } from "./ids.ts";
export { encodeCursor, decodeCursor, page, type CursorKey } from "./paging.ts";
export type * from "./actions/index.ts";
