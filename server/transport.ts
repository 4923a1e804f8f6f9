import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { customAlphabet } from "nanoid";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Storage } from "../storage/index.ts";
import type { AppCallbacks } from "./callbacks.ts";
import type { Config } from "./config.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { checkBearer } from "./http.ts";
import { browserRefusal } from "./origin.ts";
import { CloseCode } from "./limits.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { replayInto } from "./replay.ts";
import { Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";
import type { AuthedPrincipal } from "./tokens.ts";

const connectionId = customAlphabet("0123456789abcdefghijklmnopqrstuvwxyz", 12);

export interface TransportDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly sessions: Sessions;
  readonly dispatcher: Dispatcher;
  readonly callbacks: AppCallbacks;
  readonly metrics: Metrics;
  readonly log: Logger;
}

const refuse = (socket: Duplex, status: number, text: string, body: string) => {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
};

/**
 * The WebSocket side: upgrades on GET /ws (a bearer header authenticates
 * there, or the first call does), one Session per socket, frames to the
 * dispatcher with listeners attached once, heartbeats, and the count of calls
 * in flight that a graceful shutdown waits for.
 */
export class Transport {
  readonly wss: WebSocketServer;
  private heartbeat: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private drainedWaiters: Array<() => void> = [];
  private accepting = true;
  private readonly missedPongs = new WeakMap<Session, number>();

  constructor(private readonly deps: TransportDeps) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.maxFrameBytes, perMessageDeflate: false });
    if (deps.config.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.beat(), deps.config.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "/").split("?")[0];
    if (!this.accepting) return refuse(socket, 503, "Service Unavailable", '{"error":"the hub is shutting down"}');
    if (path !== "/ws") return refuse(socket, 404, "Not Found", '{"error":"WebSocket upgrades are served on /ws"}');
    const refusal = browserRefusal(req, this.deps.config);
    if (refusal) return refuse(socket, 403, "Forbidden", JSON.stringify({ error: refusal, reason: "origin" }));
    const auth = await checkBearer(this.deps.storage, req);
    if (socket.destroyed) return;
    if (!auth.ok) {
      const body = JSON.stringify({
        error: auth.reason === "suspended" ? "this agent is suspended" : "invalid or rotated token",
        reason: auth.reason,
      });
      this.deps.log.info({ address: req.socket.remoteAddress, reason: auth.reason }, "authentication refused");
      return refuse(socket, auth.status, auth.status === 401 ? "Unauthorized" : "Forbidden", body);
    }
    if (!auth.principal && this.deps.sessions.unauthenticated >= this.deps.config.maxUnauthenticated) {
      return refuse(
        socket,
        503,
        "Service Unavailable",
        '{"error":"too many connections waiting to authenticate; retry shortly, or send Authorization: Bearer on the upgrade","reason":"too_many_unauthenticated"}',
      );
    }
    if (auth.principal && this.deps.sessions.count(auth.principal.id) >= this.deps.config.maxSocketsPerPrincipal) {
      return refuse(
        socket,
        429,
        "Too Many Requests",
        '{"error":"too many sockets for this principal","reason":"too_many_sockets"}',
      );
    }
    const address = req.socket.remoteAddress;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, address, auth.principal, auth.secretHash));
  };

  private onConnection(
    ws: WebSocket,
    address: string | undefined,
    principal: AuthedPrincipal | undefined,
    credential?: Buffer,
  ): void {
    const { config, sessions, dispatcher, callbacks, metrics, log, storage } = this.deps;
    const session: Session = new Session(`conn_${connectionId()}`, ws, config, (code) => {
      metrics.closes.inc({ code: String(code) });
      if (code === CloseCode.slowConsumer) {
        log.warn({ connectionId: session.id, principal: session.principal?.id, address }, "slow consumer closed");
      }
      this.forget(session);
    });
    sessions.add(session);
    log.info({ connectionId: session.id, principal: principal?.id, address }, "connection opened");
    if (principal) {
      // As in auth/connect: registered first, then the cursor read; a push passed over meanwhile is replayed.
      sessions.authenticate(session, principal, credential);
      void storage.events.current(principal.id).then(
        (cursor) => {
          session.lastCursor = cursor;
          if (!session.missedLive) session.live = true;
          else {
            replayInto(session, storage, metrics, cursor, Math.min(1024 * 1024, config.maxBufferedBytes / 4)).catch(
              (err: unknown) => log.error({ err, connectionId: session.id }, "replay failed"),
            );
          }
        },
        (err: unknown) => {
          log.warn({ err, connectionId: session.id }, "could not read the event log for a new socket");
          session.close(CloseCode.internalError, "the hub could not read its event log; reconnect");
        },
      );
    }
    const authTimer = principal
      ? undefined
      : setTimeout(() => {
          if (!session.principal) session.close(CloseCode.unauthorized, "not authenticated in time");
        }, config.authTimeoutMs);

    ws.on("message", (data: RawData, isBinary: boolean) => {
      // Closed by the hub (rotation, suspension, flood, slow consumer, auth timeout): nothing more is executed.
      if (session.closed) return;
      if (isBinary) {
        session.close(CloseCode.unsupportedData, "text frames only: one JSON value per frame");
        return;
      }
      // The byte budget (--rate-bytes): a frame that overdraws it stops reading until it refills.
      session.spendBytes(frameBytes(data));
      this.inFlight++;
      dispatcher
        .onFrame(session, rawText(data))
        .catch((err: unknown) => log.error({ err, connectionId: session.id }, "frame handling failed"))
        .finally(() => {
          session.holdWhileBacklogged(config.maxBufferedBytes / 4, config.maxBufferedBytes / 8);
          this.settle();
        });
    });
    ws.on("pong", () => this.missedPongs.set(session, 0));
    ws.on("error", (err) => log.debug({ err, connectionId: session.id }, "socket error"));
    ws.on("close", (code, reason) => {
      if (authTimer) clearTimeout(authTimer);
      log.info(
        { connectionId: session.id, principal: session.principal?.id, address, code, reason: reason.toString() },
        "connection closed",
      );
      if (code === CloseCode.tooBig) metrics.closes.inc({ code: String(code) });
      session.closed = true;
      session.live = false;
      this.forget(session);
    });
  }

  private forget(session: Session): void {
    this.deps.sessions.remove(session);
    this.deps.callbacks.dropSession(session);
    session.principal = undefined;
  }

  private settle(): void {
    if (--this.inFlight === 0) {
      const waiters = this.drainedWaiters;
      this.drainedWaiters = [];
      for (const w of waiters) w();
    }
  }

  private beat(): void {
    for (const s of this.deps.sessions.each()) {
      const missed = this.missedPongs.get(s) ?? 0;
      if (missed >= 2 && !s.readingPaused) {
        s.closed = true;
        s.ws.terminate();
        continue;
      }
      // A pong cannot arrive while the hub itself leaves the socket unread: such a beat is not counted as missed.
      if (!s.readingPaused) this.missedPongs.set(s, missed + 1);
      s.ws.ping();
    }
  }

  /** Count work that arrived another way (an HTTP request) as in flight until it settles. */
  track(work: Promise<void>): void {
    this.inFlight++;
    work.then(
      () => this.settle(),
      () => this.settle(),
    );
  }

  /**
   * Refuse new upgrades and stop starting calls: the calls in flight finish
   * and are answered before the sockets close, and a request that arrives
   * meanwhile is not executed (its caller sees the close and may retry).
   */
  stopAccepting(): void {
    this.accepting = false;
    this.deps.dispatcher.draining = true;
  }

  /** Resolves when no frame is being handled, or after `graceMs`. */
  idle(graceMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.drainedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Close every socket with `code`; peers get `waitMs` to answer the close handshake. */
  async closeAll(code: number, reason: string, waitMs: number): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const s of [...this.deps.sessions.each()]) s.close(code, reason);
    const open = [...this.wss.clients].filter((ws) => ws.readyState !== ws.CLOSED);
    for (const ws of open) if (ws.readyState === ws.OPEN) ws.close(code, reason);
    await Promise.race([
      Promise.all(
        open.map(
          (ws) => new Promise((resolve) => (ws.readyState === ws.CLOSED ? resolve(null) : ws.once("close", resolve))),
        ),
      ),
      new Promise((resolve) => setTimeout(resolve, waitMs)),
    ]);
    for (const ws of this.wss.clients) ws.terminate();
  }
}

const frameBytes = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;

const rawText = (data: RawData): string =>
  Array.isArray(data)
    ? Buffer.concat(data).toString("utf8")
    : Buffer.isBuffer(data)
      ? data.toString("utf8")
      : Buffer.from(data).toString("utf8");
