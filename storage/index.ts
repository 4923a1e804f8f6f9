import { openDb, type Db, type OpenOptions } from "./db.ts";
import { TxCaches } from "./cache.ts";
import { makeAgents } from "./agents.ts";
import { makeApps } from "./apps.ts";
import { makeUsers } from "./users.ts";
import { makeCredentials } from "./credentials.ts";
import { makeTasks } from "./tasks.ts";
import { makeConversations } from "./conversations.ts";
import { makeMessages } from "./messages.ts";
import { makeEvents, type EventLog } from "./events.ts";
import { makeActionStorage } from "./actions/index.ts";
import { makeA2a } from "./a2a.ts";
import { makeA2aPush } from "./a2a-push.ts";
import { makeWebhooks } from "./webhooks.ts";
import { PostgresSql, sqliteSql, type Engine, type Sql } from "./sql.ts";
import { postgresTransactions, sqliteTransactions, type Transactions } from "./transactions.ts";
import { connectPostgres, isPostgresUrl, migratePostgres, redactUrl, type PostgresOptions } from "./postgres/open.ts";
import { makePostgresEvents, type FeedOptions } from "./postgres/events.ts";
import { makePostgresCluster } from "./postgres/cluster.ts";
import type { Cluster } from "./cluster.ts";

/** One module per aggregate, each a set of plain async functions over the engine's SQL. */
const makeModules = (sql: Sql, caches: TxCaches, events: EventLog) => {
  const tasks = makeTasks(sql, caches);
  const apps = makeApps(sql, caches);
  const messageHookOf = async (appId: string) => (await apps.get(appId))?.manifest.hooks?.messageAuthorize === true;
  return {
    agents: makeAgents(sql),
    apps,
    users: makeUsers(sql),
    credentials: makeCredentials(sql),
    tasks,
    conversations: makeConversations(sql, caches, tasks.status, messageHookOf),
    messages: makeMessages(sql),
    events,
    actions: makeActionStorage(sql),
    a2a: makeA2a(sql),
    a2aPush: makeA2aPush(sql),
    webhooks: makeWebhooks(sql),
  };
};

/**
 * The hub's storage, the same to every caller on both engines: the aggregate
 * modules, the event log, and `transactions`, which is how writes commit
 * (server/committer.ts). Nothing here knows about sockets or JSON-RPC.
 */
export interface Storage extends ReturnType<typeof makeModules> {
  readonly engine: Engine;
  /** Where the data lives, for logs: a file path, or a URL without its password. */
  readonly location: string;
  readonly caches: TxCaches;
  readonly transactions: Transactions;
  /** What the nodes of a hub on PostgreSQL share besides the data; undefined on the embedded file (one node). */
  readonly cluster: Cluster | undefined;
  /** Whether an error means the database cannot be reached right now (Unavailable, not Internal). */
  isUnavailable(err: unknown): boolean;
  /** Whether an error is the engine refusing a value of the caller's (PostgreSQL: NUL in text): InvalidParams. */
  refusesInput(err: unknown): boolean;
  /** Whether the database answers now (GET /healthz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** The embedded file's handle, for what only SQLite has (backup, restore). */
  readonly db: Db | undefined;
  /** Plain SQL on the engine, for tools and tests that look at the data as a whole (copy, checks); never for handlers. */
  readonly sql: Sql;
}

export interface StorageOptions extends OpenOptions, PostgresOptions {
  /** PostgreSQL: how often every node reads the event log when no doorbell rang. */
  readonly pollMs?: number;
  /** PostgreSQL: a read of the event log failed; the feed keeps trying. */
  readonly onFeedError?: (err: unknown) => void;
}

/** Open the storage `target` names: a PostgreSQL URL, or else an SQLite file. */
export const openStorage = async (target: string, options: StorageOptions = {}): Promise<Storage> =>
  isPostgresUrl(target) ? openPostgresStorage(target, options) : fromDb(openDb(target, options), target);

export const fromDb = (db: Db, location = db.name): Storage => {
  const sql = sqliteSql(db);
  const caches = new TxCaches(() => db.inTransaction);
  return {
    ...makeModules(sql, caches, makeEvents(db, caches)),
    engine: "sqlite",
    location,
    cluster: undefined,
    caches,
    transactions: sqliteTransactions(db, caches),
    isUnavailable: () => false,
    refusesInput: () => false,
    ping: () => Promise.resolve(db.open),
    close: () => {
      db.close();
      return Promise.resolve();
    },
    db,
    sql,
  };
};

/** SQLSTATE classes and client errors that say the server is gone, not that the statement was wrong. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
  "53300", // too_many_connections
]);

/** PostgreSQL cannot store the NUL character in text: the one input it refuses that SQLite takes. */
const NUL_IN_TEXT = new Set(["22021", "22P05"]);

const openPostgresStorage = async (url: string, options: StorageOptions): Promise<Storage> => {
  const pool = connectPostgres(url, options);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end({ timeout: 1 });
    throw err;
  }
  const sql = new PostgresSql(pool);
  const caches = new TxCaches(() => sql.inTransaction(), false);
  const feed: FeedOptions = { pollMs: options.pollMs ?? 1000, onError: options.onFeedError ?? (() => undefined) };
  const events = makePostgresEvents(sql, feed);
  return {
    ...makeModules(sql, caches, events),
    engine: "postgres",
    location: redactUrl(url),
    cluster: makePostgresCluster(sql, feed),
    caches,
    transactions: postgresTransactions(sql),
    isUnavailable: (err) =>
      typeof err === "object" && err !== null && "code" in err && UNAVAILABLE_CODES.has(String(err.code)),
    refusesInput: (err) =>
      typeof err === "object" && err !== null && "code" in err && NUL_IN_TEXT.has(String(err.code)),
    ping: () =>
      pool.unsafe("SELECT 1").then(
        () => true,
        () => false,
      ),
    close: async () => {
      await events.feed?.stop();
      await pool.end({ timeout: 5 });
    },
    db: undefined,
    sql,
  };
};

export { openDb, migrate, listMigrations, type Db } from "./db.ts";
export { isPostgresUrl, redactUrl } from "./postgres/open.ts";
export { DEFAULT_APP_ID, type AppRecord } from "./apps.ts";
export { A2A_APP_ID, type A2aCardRow, type A2aTaskRow, type A2aMessageRow } from "./a2a.ts";
export type { TaskRecord, Membership } from "./tasks.ts";
export type { ConversationRecord, ConversationListEntry, ConversationPlace, SendContext } from "./conversations.ts";
export type { StoredMessage, MessageRange, MessagePlace } from "./messages.ts";
export type { LoggedEvent, Emitted, EventLog, EventFeed, LogPosition } from "./events.ts";
export type { Outcome, Transactions } from "./transactions.ts";
export type { Engine } from "./sql.ts";
export type { Cluster, ControlMessage, ForwardedCall } from "./cluster.ts";
export type { WebhookRecord, DeliveryAttempt } from "./webhooks.ts";
export type { A2aPushRecord } from "./a2a-push.ts";
export type { AgentWithCard } from "./agents.ts";
export type { PrincipalKind } from "./credentials.ts";
export { newId, newSecret, nowIso, idPrefixes, type IdKind } from "./ids.ts";
export { encodeCursor, decodeCursor, page, type CursorKey } from "./paging.ts";
export type * from "./actions/index.ts";
export { takeHubLock, type HubLock, type LockOwner } from "./hub-lock.ts";
