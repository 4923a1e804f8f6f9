import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { Notifications } from "../protocol/index.ts";
import { openStorage, nowIso, type Storage } from "../storage/index.ts";
import { actionRoutes } from "./actions/http.ts";
import { AppCallbacks } from "./callbacks.ts";
import { Committer } from "./committer.ts";
import { ConfigError, type Config } from "./config.ts";
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
import { ADMIN_ID, installToken, issueToken, parseToken } from "./tokens.ts";
import { Transport } from "./transport.ts";
import { checkSecrets, makeSealer, makeWebhookCallbacks, SealedSecretError, WebhookWorker } from "./webhooks/index.ts";

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export interface RunningHub {
  /** http://host:port */
  readonly url: string;
  /** ws://host:port/ws */
  readonly wsUrl: string;
  readonly port: number;
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
const failOrphanedTasks = (storage: Storage): number => {
  const orphans = storage.tasks.waiting();
  const at = nowIso();
  for (const rec of orphans) {
    storage.tasks.setStatus(rec.pk, "failed", { failureReason: "timeout", endedAt: at });
    const params: typeof Notifications.TaskFailed.params.Type = { taskId: rec.task.id, reason: "timeout" };
    storage.events.append(
      Notifications.TaskFailed.name,
      JSON.stringify(params),
      [rec.task.initiatorAgentId],
      Date.now(),
    );
  }
  return orphans.length;
};

/** Ensure the admin credential: the operator's token if given, else a generated one on first start. */
const setUpAdmin = (storage: Storage, config: Config): string | undefined => {
  if (config.adminToken !== undefined) {
    const parsed = parseToken(config.adminToken);
    if (!parsed || parsed.kind !== "admin" || parsed.id !== ADMIN_ID) {
      throw new ConfigError(
        "SWITCHBOARD_ADMIN_TOKEN must look like sb_admin.admin.<secret of 32 or more URL-safe characters>",
      );
    }
    installToken(storage, config.adminToken);
    return undefined;
  }
  if (storage.credentials.get(ADMIN_ID)) return undefined;
  return issueToken(storage, "admin", ADMIN_ID);
};

export const startHub = async (config: Config, options: { log?: Logger } = {}): Promise<RunningHub> => {
  const log = options.log ?? createLogger(config.logLevel);
  const storage = openStorage(config.db);
  const sealer = makeSealer(config.secretKey);
  let generatedAdminToken: string | undefined;
  let orphans = 0;
  let sealed = 0;
  try {
    generatedAdminToken = storage.db
      .transaction(() => {
        storage.apps.ensureDefault(nowIso());
        orphans = failOrphanedTasks(storage);
        // SQLite: this hub is alone on its file, so leases left by a previous run are its own.
        storage.webhooks.releaseAllLeases();
        sealed = checkSecrets(storage, sealer);
        return setUpAdmin(storage, config);
      })
      .immediate();
  } catch (err) {
    storage.close();
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
  let webhooks: WebhookWorker | undefined;
  const committer = new Committer(
    storage,
    (events) => {
      fanout(events);
      webhooks?.onCommitted(events);
    },
    metrics,
    log,
  );
  const commit: HubContext["commit"] = (fn) => committer.run(fn);
  const webhookDeps = { config, storage, commit, metrics, log, sealer };
  webhooks = new WebhookWorker(webhookDeps);
  const callbacks = new AppCallbacks(
    sessions,
    metrics,
    { timeoutMs: config.callbackTimeoutMs, maxPendingPerApp: config.maxPendingCallbacks },
    makeWebhookCallbacks(webhookDeps),
  );
  const hub: HubContext = {
    config,
    storage,
    commit,
    sessions,
    callbacks,
    metrics,
    log,
    version: VERSION,
    webhooks,
    sealer,
  };
  const openrpc = lazyOpenRpc(VERSION);
  const dispatcher = new Dispatcher(allHandlers(hub, openrpc), callbacks, metrics, log, {
    maxJsonDepth: config.maxJsonDepth,
  });
  const transport = new Transport({ config, storage, sessions, dispatcher, callbacks, metrics, log });

  const server: Server = createServer(
    createHttpHandler({
      storage,
      dispatcher,
      metrics,
      log,
      openrpc,
      maxBodyBytes: config.maxFrameBytes,
      routes: actionRoutes({ storage, dispatcher }),
    }),
  );
  server.on("upgrade", transport.onUpgrade);
  server.on("clientError", (_err, socket) => socket.destroy());
  // POST /rpc calls are in flight like socket frames, until their response is done: a graceful close answers them too.
  server.on("request", (_req, res) => transport.track(new Promise((resolve) => res.once("close", resolve))));

  const sweep = () =>
    committer
      .run(() => storage.events.expire(Date.now() - config.eventRetention, RETENTION_BATCH))
      .then((dropped) => {
        if (dropped > 0) log.info({ dropped }, "dropped events past retention");
        if (dropped === RETENTION_BATCH) setImmediate(sweep);
      })
      .catch((err: unknown) => log.error({ err }, "retention sweep failed"));
  const sweeper = setInterval(sweep, RETENTION_SWEEP_MS);
  sweeper.unref();
  void sweep();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  if (orphans > 0) log.warn({ tasks: orphans }, "tasks left waiting by the previous run failed as timed out");
  if (sealed > 0) log.info({ webhooks: sealed }, "webhook secrets stored plain are now sealed with --secret-key");
  webhooks.start();
  log.info({ url, db: config.db, version: VERSION }, "listening");

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info("shutting down");
      clearInterval(sweeper);
      transport.stopAccepting();
      await webhooks.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await transport.idle(config.shutdownGraceMs);
      await committer.drained();
      await transport.closeAll(CloseCode.goingAway, "the hub is shutting down", 1000);
      server.closeAllConnections();
      await serverClosed;
      await committer.drained();
      storage.close();
      log.info("stopped");
    })());

  return { url, wsUrl: `ws://${host}:${port}/ws`, port, generatedAdminToken, storage, log, close };
};
