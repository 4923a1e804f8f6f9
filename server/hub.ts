import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Notifications } from "../protocol/index.ts";
import { isPostgresUrl, openStorage, nowIso, takeHubLock, type Storage } from "../storage/index.ts";
import { actionRoutes } from "./actions/http.ts";
import { a2aEdge, A2aBell } from "./a2a/index.ts";
import { AppCallbacks } from "./callbacks.ts";
import { ClusterLink } from "./cluster.ts";
import { Committer } from "./committer.ts";
import { ConfigError, UsageError, type Config } from "./config.ts";
import { prepareDbFile } from "./db-file.ts";
import { Dispatcher } from "./dispatcher.ts";
import { createFanout } from "./fanout.ts";
import { allHandlers } from "./handlers/index.ts";
import { lazyOpenRpc } from "./handlers/system.ts";
import type { HubContext } from "./hub-context.ts";
import { createHttpHandler } from "./http.ts";
import { CloseCode } from "./limits.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { Sessions } from "./sessions.ts";
import { ADMIN_ID, installToken, issueToken, parseToken, standingOf, verifyToken } from "./tokens.ts";
import { Transport } from "./transport.ts";
import { InspectorFeed } from "./inspector/feed.ts";
import { inspectorRoute } from "./inspector/page.ts";
import { HubStats } from "./inspector/stats.ts";
import { VERSION } from "./version.ts";
import { checkSecrets, makeSealer, makeWebhookCallbacks, SealedSecretError, WebhookWorker } from "./webhooks/index.ts";

export { VERSION };

export interface RunningHub {
  /** http://host:port */
  readonly url: string;
  /** ws://host:port/ws */
  readonly wsUrl: string;
  readonly port: number;
  /** http://host:port/inspector, unless --inspector false. */
  readonly inspectorUrl: string | undefined;
  /** Set when this start generated the admin token (first start without SWITCHBOARD_ADMIN_TOKEN): shown once. */
  readonly generatedAdminToken: string | undefined;
  readonly storage: Storage;
  readonly log: Logger;
  /** Graceful stop: refuse new sockets, answer calls in flight, close sockets with 1001, close the database. */
  close(): Promise<void>;
}

const RETENTION_SWEEP_MS = 60_000;
const RETENTION_BATCH = 10_000;

/**
 * A task stored as waiting by a previous run was waiting for a callback
 * answer that died with that process: it fails as timed out, and its
 * initiator is told, as if the answer had not come in time (section 10.6).
 */
const failOrphanedTasks = async (storage: Storage, createdBefore: string): Promise<number> => {
  const orphans = (await storage.tasks.waiting()).filter((rec) => rec.task.createdAt < createdBefore);
  const at = nowIso();
  for (const rec of orphans) {
    await storage.tasks.setStatus(rec.pk, "failed", { failureReason: "timeout", endedAt: at });
    const params: typeof Notifications.TaskFailed.params.Type = { taskId: rec.task.id, reason: "timeout" };
    await storage.events.append(
      Notifications.TaskFailed.name,
      JSON.stringify(params),
      [rec.task.initiatorAgentId],
      Date.now(),
    );
  }
  return orphans.length;
};

/**
 * The tasks whose verdict nobody waits for any more. On the embedded file
 * this hub is the only one, so at start every waiting task is an orphan. On
 * PostgreSQL other nodes may be waiting for theirs: only a task older than
 * the callback timeout (and a margin) is certainly orphaned, since its own
 * node would have failed it by then, so the sweep also runs periodically.
 */
const orphanCutoff = (storage: Storage, config: Config, atStart: boolean): string =>
  storage.engine === "sqlite" && atStart
    ? nowIso()
    : new Date(Date.now() - config.callbackTimeoutMs - ORPHAN_MARGIN_MS).toISOString();
const ORPHAN_MARGIN_MS = 5000;

/**
 * Ensure the admin credential. SWITCHBOARD_ADMIN_TOKEN is installed only when
 * no admin credential exists yet (first start): a restart with the same
 * variable must not undo an `admin/token/rotate` or `switchboard token
 * rotate admin` made since. When the variable no longer matches the stored
 * credential, the hub keeps the stored one and says so in its log.
 */
const setUpAdmin = async (storage: Storage, config: Config, log: Logger): Promise<string | undefined> => {
  const stored = (await storage.credentials.get(ADMIN_ID)) !== undefined;
  if (config.adminToken !== undefined) {
    const parsed = parseToken(config.adminToken);
    if (!parsed || parsed.kind !== "admin" || parsed.id !== ADMIN_ID) {
      throw new ConfigError(
        "SWITCHBOARD_ADMIN_TOKEN must look like sb_admin.admin.<secret of 32 or more URL-safe characters>",
      );
    }
    if (!stored) {
      await installToken(storage, config.adminToken);
      return undefined;
    }
    if (!(await verifyToken(storage, config.adminToken)).ok) {
      log.warn(
        "SWITCHBOARD_ADMIN_TOKEN differs from the stored admin token (it was rotated since); the stored one stays. " +
          "To replace it, run switchboard token rotate admin, or call admin/token/rotate.",
      );
    }
    return undefined;
  }
  if (stored) return undefined;
  return issueToken(storage, "admin", ADMIN_ID);
};

/** Refuse to start on a SQLite file another hub has open; several nodes share PostgreSQL instead. */
export const lockDatabase = (file: string): (() => void) => {
  if (file === ":memory:" || isPostgresUrl(file)) return () => {};
  const lock = takeHubLock(file);
  if (lock.ok) return lock.release;
  const who = lock.owner
    ? `process ${lock.owner.pid} on ${lock.owner.host} (since ${lock.owner.startedAt})`
    : "another process";
  throw new ConfigError(
    `${file} is in use by another hub: ${who} holds ${lock.lockFile}. One SQLite file serves one hub; stop that one, ` +
      "or pick another --db. To run several hubs as one, start each with --db postgres://… (PROTOCOL section 11).",
  );
};

/** Whether --host keeps the hub on this machine. */
const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);

type StartOptions = { log?: Logger; /** Where the inspector's built page is (tests). */ inspectorDir?: string };

/** Why a start failed, said so that a newcomer knows what to change; other errors pass through. */
const explainStartError = (err: unknown, config: Config): unknown => {
  const code = (err as { code?: string } | undefined)?.code;
  const where = `${config.host}:${config.port}`;
  if (code === "EADDRINUSE") {
    return new ConfigError(
      `port ${config.port} on ${config.host} is in use (another hub, or another program); stop it, or pick another with --port (--port 0 picks a free one).`,
    );
  }
  if (code === "EACCES") {
    return new UsageError(
      `no permission to listen on ${where}; ports below 1024 need privileges: pick --port 7700 or above.`,
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new UsageError(
      `--host ${config.host} is not an address of this machine; use 127.0.0.1, or 0.0.0.0 for every interface.`,
    );
  }
  if (code === "SQLITE_NOTADB") {
    return new UsageError(
      `--db ${config.db} is not a SQLite database; pass the hub's database file, or a new file name.`,
    );
  }
  return err;
};

/**
 * Start a hub. A start that fails leaves no file behind that it created
 * (server/db-file.ts); one refused by another hub's lock removes nothing,
 * since what is there may be that hub's.
 */
export const startHub = async (config: Config, options: StartOptions = {}): Promise<RunningHub> => {
  const footprint = prepareDbFile(config.db);
  const unlock = lockDatabase(config.db);
  try {
    return await startHubOn(config, options, unlock);
  } catch (err) {
    unlock(); // idempotent: the paths that close storage have released it already
    footprint.cleanUp();
    throw explainStartError(err, config);
  }
};

const startHubOn = async (config: Config, options: StartOptions, unlock: () => void): Promise<RunningHub> => {
  const log = options.log ?? createLogger(config.logLevel, undefined, config.logFormat);
  const sealer = makeSealer(config.secretKey);
  let storage: Storage;
  try {
    storage = await openStorage(config.db, {
      pollMs: config.pollMs,
      poolSize: config.poolSize,
      onFeedError: (err) => log.warn({ err }, "could not read the event log; retrying"),
    });
  } catch (err) {
    unlock();
    throw err;
  }
  let generatedAdminToken: string | undefined;
  let orphans = 0;
  let sealed = 0;
  try {
    const [setUp] = await storage.transactions.runAll([
      async () => {
        await storage.apps.ensureDefault(nowIso());
        await storage.a2a.ensureApp(nowIso());
        orphans = await failOrphanedTasks(storage, orphanCutoff(storage, config, true));
        // SQLite: this hub is alone on its file, so leases left by a previous run are its own.
        // PostgreSQL: other nodes may be delivering now; their leases expire if they are gone.
        if (storage.engine === "sqlite") await storage.webhooks.releaseAllLeases();
        sealed = await checkSecrets(storage, sealer);
        return setUpAdmin(storage, config, log);
      },
    ]);
    if (!setUp!.ok) throw setUp!.error;
    generatedAdminToken = setUp!.value as string | undefined;
  } catch (err) {
    await storage.close();
    unlock();
    throw err instanceof SealedSecretError ? new ConfigError(err.message) : err;
  }

  const sessions = new Sessions();
  const metrics = createMetrics(() => {
    const counts = new Map<string, number>();
    for (const s of sessions.each()) {
      const type = s.principal?.type ?? "anonymous";
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    return counts;
  });
  const fanout = createFanout(sessions, metrics);
  // One deliver function, so that what follows committed events sees them on both engines, and commits
  // made on other nodes too (PostgreSQL feed): the sockets, the A2A edge's streams (server/a2a/bell.ts),
  // the inspector's live feed and the webhook worker.
  const a2aBell = new A2aBell();
  const feed = new InspectorFeed();
  let webhooks: WebhookWorker | undefined;
  const deliver = (events: Parameters<typeof fanout>[0]): void => {
    fanout(events);
    a2aBell.onCommitted(events);
    feed.committed(events);
    webhooks?.onCommitted(events);
  };
  const committer = new Committer(storage, deliver, metrics, log);
  // PostgreSQL: committed events reach this node from the log, whichever node wrote them.
  storage.events.feed?.start(deliver);
  const commit: HubContext["commit"] = (fn) => committer.run(fn);
  const webhookDeps = { config, storage, commit, metrics, log, sealer };
  webhooks = new WebhookWorker(webhookDeps);
  const callbacks = new AppCallbacks(
    sessions,
    metrics,
    { timeoutMs: config.callbackTimeoutMs, maxPendingPerApp: config.maxPendingCallbacks },
    makeWebhookCallbacks(webhookDeps),
  );
  sessions.onPresence = (agentId, status) => feed.presence(agentId, status);
  // The inspector's feed, and the log: each callback and how it ended (debug; failures at info).
  callbacks.observer = {
    started: (appId, method, params) => {
      feed.started(appId, method, params);
      log.debug({ appId, method }, "callback sent");
    },
    settled: (appId, method, outcome) => {
      feed.settled(appId, method, outcome);
      if (outcome.ok) log.debug({ appId, method }, "callback answered");
      else log.info({ appId, method, failure: outcome.failure }, "callback failed");
    },
  };
  const stats = new HubStats(sessions, callbacks, metrics, feed);
  stats.start();
  const hub: HubContext = {
    config,
    storage,
    commit,
    sessions,
    callbacks,
    metrics,
    log,
    version: VERSION,
    inspector: { feed, stats },
    webhooks,
    sealer,
  };
  const openrpc = lazyOpenRpc(VERSION);
  const dispatcher = new Dispatcher(allHandlers(hub, openrpc), callbacks, metrics, log, {
    maxJsonDepth: config.maxJsonDepth,
    isUnavailable: (err) => storage.isUnavailable(err),
    refusesInput: (err) => storage.refusesInput(err),
    ...(storage.cluster ? { standing: (id: string, credential: Buffer) => standingOf(storage, id, credential) } : {}),
    maxBatch: config.maxBatch,
    maxAnswerBytes: config.maxAnswerBytes,
    maxIssues: config.maxIssues,
  });
  const a2a = a2aEdge(hub, a2aBell);
  const transport = new Transport({ config, storage, sessions, dispatcher, callbacks, metrics, log });

  const server: Server = createServer(
    // Node enforces the header and request timeouts on this tick (30 s by default).
    { connectionsCheckingInterval: Math.max(50, Math.min(1000, config.headersTimeoutMs)) },
    createHttpHandler({
      storage,
      dispatcher,
      metrics,
      log,
      openrpc,
      maxBodyBytes: config.maxFrameBytes,
      maxBufferedBytes: config.maxBufferedBytes,
      rateLimit: config.httpRateLimit,
      rateBurst: config.httpRateBurst,
      browsers: config,
      routes: [
        ...actionRoutes({ storage, dispatcher }),
        a2a.route,
        ...(config.inspector ? [inspectorRoute(options.inspectorDir)] : []),
      ],
    }),
  );
  // Slow or idle HTTP clients must not hold sockets for Node's defaults (60 s for headers, 5 min for a request).
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = config.requestTimeoutMs;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.maxConnections = config.maxConnections;
  server.on("upgrade", (req, socket, head) => {
    transport.onUpgrade(req, socket, head).catch((err: unknown) => {
      log.warn({ err }, "upgrade failed");
      socket.destroy();
    });
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  // POST /rpc calls are in flight like socket frames, until their response is done: a graceful close answers them too.
  server.on("request", (_req, res) => transport.track(new Promise((resolve) => res.once("close", resolve))));

  const sweep = () =>
    committer
      .run(async () => {
        const dropped = await storage.events.expire(Date.now() - config.eventRetention, RETENTION_BATCH);
        const failed =
          storage.engine === "sqlite" ? 0 : await failOrphanedTasks(storage, orphanCutoff(storage, config, false));
        return { dropped, failed };
      })
      .then(({ dropped, failed }) => {
        if (dropped > 0) log.info({ dropped }, "dropped events past retention");
        if (failed > 0) log.warn({ tasks: failed }, "tasks left waiting by a node that stopped failed as timed out");
        if (dropped === RETENTION_BATCH) setImmediate(sweep);
      })
      .catch((err: unknown) => log.error({ err }, "retention sweep failed"));
  const sweeper = setInterval(sweep, RETENTION_SWEEP_MS);
  sweeper.unref();
  // The first sweep finishes before the hub listens, so no client resumes into what it drops.
  await sweep();
  // Several nodes: presence, closes and callbacks across them (server/cluster.ts).
  const link = storage.cluster
    ? new ClusterLink(storage.cluster, sessions, callbacks, config.callbackTimeoutMs, log)
    : undefined;
  await link?.start();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    // Not listening (port taken): give the file back, so that a corrected start is not refused.
    clearInterval(sweeper);
    transport.stopAccepting();
    await link?.stop();
    await storage.close();
    unlock();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  if (orphans > 0) log.warn({ tasks: orphans }, "tasks left waiting by the previous run failed as timed out");
  if (sealed > 0) log.info({ webhooks: sealed }, "webhook secrets stored plain are now sealed with --secret-key");
  webhooks.start();
  if (!isLoopback(config.host) && !config.publicUrl.startsWith("https://")) {
    log.warn(
      { host: config.host },
      `listening beyond this machine (--host ${config.host}) without TLS: tokens would cross the network in clear. ` +
        "Put a TLS-terminating proxy in front (docs/DEPLOY.md) and pass --public-url https://…, or use --host 127.0.0.1.",
    );
  }
  log.info(
    { url, db: storage.location, engine: storage.engine, version: VERSION, inspector: config.inspector },
    "listening",
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info("shutting down");
      clearInterval(sweeper);
      stats.stop();
      transport.stopAccepting();
      a2a.close();
      await webhooks.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await transport.idle(config.shutdownGraceMs);
      await committer.drained();
      await transport.closeAll(CloseCode.goingAway, "the hub is shutting down", 1000);
      server.closeAllConnections();
      await serverClosed;
      await committer.drained();
      await link?.stop();
      await storage.close();
      unlock();
      log.info("stopped");
    })());

  const inspectorUrl = config.inspector ? `${url}/inspector` : undefined;
  return { url, wsUrl: `ws://${host}:${port}/ws`, port, inspectorUrl, generatedAdminToken, storage, log, close };
};
