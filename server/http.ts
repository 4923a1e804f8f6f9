import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { errorTable, type WireError } from "../protocol/index.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { OpenRpcText } from "./handlers/system.ts";
import { KeyedBuckets } from "./limits.ts";
import { rawIdsOf } from "./raw-id.ts";
import { browserRefusal, type BrowserPolicy } from "./origin.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { verifyToken, type AuthedPrincipal } from "./tokens.ts";
import type { Storage } from "../storage/index.ts";

export interface HttpDeps {
  readonly storage: Storage;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly openrpc: OpenRpcText;
  readonly maxBodyBytes: number;
  /** Unsent answer bytes one HTTP connection may hold (pipelined requests included) before it is dropped. */
  readonly maxBufferedBytes: number;
  readonly rateLimit: number;
  readonly browsers: BrowserPolicy;
  readonly rateBurst: number;
  /** Extra routes (the HTTP form of actions); answer true when handled. */
  readonly routes?: ReadonlyArray<Route>;
}

/** Who is calling, once the request passed the gate (rate by address, bearer token, rate by principal). */
export type Gate =
  | { readonly ok: true; readonly principal: AuthedPrincipal | undefined; readonly secretHash?: Buffer }
  | { readonly ok: false; readonly status: number; readonly error: WireError };

/** A refusal of the HTTP gate: 403 (Host or Origin) or 429 (rate). */
export type Refusal = { readonly ok: false; readonly status: number; readonly error: WireError };

/**
 * The gate's parts, for routes whose callers are not the hub's principals
 * (the A2A edge's a2a-clients): `screen` checks Host and Origin and takes
 * the address's token (once per request, whatever is asked); `principal`
 * takes a token from the bucket of any caller key.
 */
export interface Guard {
  screen(): Refusal | undefined;
  principal(key: string): Refusal | undefined;
}

export type Route = (
  req: IncomingMessage,
  res: ServerResponse,
  body: () => Promise<string>,
  gate: () => Promise<Gate>,
  guard: Guard,
) => Promise<boolean>;

export class BodyTooLarge extends Error {}

/** Read a request body up to `max` bytes. */
export const readBody = (req: IncomingMessage, max: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > max) return;
      size += chunk.length;
      if (size > max) {
        // Drop the rest instead of destroying the request: that would take the socket, and the 413, with it.
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

export const sendJson = (res: ServerResponse, status: number, body: string): void => {
  // setHeader rather than writeHead's object, so that the length can be read back (the pipelining backlog).
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
};

/** The bearer token of a request, if it has an Authorization header of that form. */
export const bearerOf = (req: IncomingMessage): string | undefined => {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : "";
};

export type BearerCheck =
  | { readonly ok: true; readonly principal: AuthedPrincipal | undefined; readonly secretHash?: Buffer }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

/** No header: anonymous. A header with a bad token: 401; a suspended agent: 403. */
export const checkBearer = async (storage: Storage, req: IncomingMessage): Promise<BearerCheck> => {
  const token = bearerOf(req);
  if (token === undefined) return { ok: true, principal: undefined };
  const v = await verifyToken(storage, token);
  if (v.ok) return { ok: true, principal: v.principal, secretHash: v.secretHash };
  return v.reason === "suspended"
    ? { ok: false, status: 403, reason: "suspended" }
    : { ok: false, status: 401, reason: "invalid_token" };
};

const rpcError = (code: number, tag: string, message: string, data: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message, data: { tag, ...data } } });

/** A JSON-RPC error answer echoing `id` (JSON text), for refusals of POST /rpc made before dispatch. */
const rpcRefusal = (id: string, error: WireError) => `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify(error)}}`;

/** The id of a POST /rpc body as its sender wrote it, or null (fine print 10.24). */
const idOfBody = (text: string): string => {
  try {
    const msg = JSON.parse(text) as unknown;
    if (typeof msg !== "object" || msg === null || Array.isArray(msg) || !("id" in msg)) return "null";
    const raw = rawIdsOf(text);
    return typeof raw === "string" ? raw : "null";
  } catch {
    return "null";
  }
};

const wire = (tag: keyof typeof errorTable, message: string, data: Record<string, unknown> = {}): WireError => ({
  code: errorTable[tag].code,
  message,
  data: { tag, ...data },
});

/**
 * Answer bytes an HTTP connection holds: what the socket has not sent, and
 * the bodies of answers queued behind it (Node queues the answers to
 * pipelined requests in memory until the earlier ones are written).
 */
const queued = new WeakMap<Socket, number>();
const backlogOf = (socket: Socket): number => socket.writableLength + (queued.get(socket) ?? 0);
const trackQueued = (res: ServerResponse, socket: Socket): void => {
  if (res.writableFinished) return;
  const bytes = Number(res.getHeader("content-length") ?? 0);
  // A queued answer has no socket of its own yet (res.socket is null until its turn): count it on the request's.
  if (bytes === 0) return;
  queued.set(socket, (queued.get(socket) ?? 0) + bytes);
  res.once("finish", () => queued.set(socket, (queued.get(socket) ?? 0) - bytes));
  res.once("close", () => queued.delete(socket));
};
/**
 * GET /healthz, GET /metrics, GET /openrpc.json and POST /rpc. JSON-RPC
 * answers over POST /rpc are 200 whatever their outcome (the error is in the
 * body), except a bad bearer token (401), a suspended agent (403) and a body
 * over the frame limit (413); a body of notifications only is 204.
 */
export const createHttpHandler = (deps: HttpDeps) => {
  const byAddress = new KeyedBuckets(deps.rateLimit, deps.rateBurst);
  const byPrincipal = new KeyedBuckets(deps.rateLimit, deps.rateBurst);
  const rateLimited = (wait: number, who: string): Refusal => ({
    ok: false,
    status: 429,
    error: wire("RateLimited", `Too many HTTP requests from this ${who}; retry after ${wait} ms.`, {
      retryAfterMs: wait,
    }),
  });
  const screenOf = (req: IncomingMessage): Refusal | undefined => {
    const refusal = browserRefusal(req, deps.browsers);
    if (refusal) return { ok: false, status: 403, error: wire("Forbidden", refusal, { reason: "origin" }) };
    const addressWait = byAddress.take(req.socket.remoteAddress ?? "unknown");
    if (addressWait > 0) return rateLimited(addressWait, "address");
    return undefined;
  };
  const principalRate = (key: string): Refusal | undefined => {
    const wait = byPrincipal.take(key);
    return wait > 0 ? rateLimited(wait, "principal") : undefined;
  };
  /** Rate by address, then the bearer token, then rate by principal: all before a body is read. */
  const gateOf = async (req: IncomingMessage, screen: () => Refusal | undefined): Promise<Gate> => {
    const screened = screen();
    if (screened) return screened;
    const auth = await checkBearer(deps.storage, req);
    if (!auth.ok) {
      return auth.status === 401
        ? {
            ok: false,
            status: 401,
            error: wire("Unauthorized", "The bearer token is invalid or was rotated.", { reason: auth.reason }),
          }
        : { ok: false, status: 403, error: wire("Forbidden", "This agent is suspended.", { reason: auth.reason }) };
    }
    if (auth.principal) {
      const limited = principalRate(auth.principal.id);
      if (limited) return limited;
    }
    return auth;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") {
      return (await deps.storage.ping())
        ? sendJson(res, 200, '{"status":"ok"}')
        : sendJson(res, 503, '{"status":"unavailable","reason":"the database cannot be reached"}');
    }
    if (req.method === "GET" && path === "/metrics") {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (req.method === "GET" && path === "/openrpc.json") return sendJson(res, 200, deps.openrpc().json);
    const body = () => readBody(req, deps.maxBodyBytes);
    if (req.method === "POST" && path === "/rpc" && deps.dispatcher.draining) {
      return sendJson(res, 503, '{"error":"the hub is shutting down; nothing was executed, retry shortly"}');
    }
    let screened: { refusal: Refusal | undefined } | undefined;
    const screen = () => (screened ??= { refusal: screenOf(req) }).refusal;
    let gate: Promise<Gate> | undefined;
    const gateOnce = () => (gate ??= gateOf(req, screen));
    const guard: Guard = { screen, principal: principalRate };
    if (req.method === "POST" && path === "/rpc") {
      const g = await gateOnce();
      if (!g.ok) {
        if (g.status === 429 || g.error.data.reason === "origin")
          return sendJson(res, g.status, rpcRefusal("null", g.error));
        // A refused token still gets its request's id back when the body can be read (10.24).
        return sendJson(res, g.status, rpcRefusal(idOfBody(await body()), g.error));
      }
      const answer = await deps.dispatcher.onHttp(g.principal, await body());
      if (answer === undefined) {
        res.writeHead(204);
        res.end();
        return;
      }
      return sendJson(res, 200, answer);
    }
    for (const route of deps.routes ?? []) if (await route(req, res, body, gateOnce, guard)) return;
    sendJson(
      res,
      404,
      JSON.stringify({
        error: `No route for ${req.method} ${path}. The hub serves GET /ws, POST /rpc, POST /api/actions/:actionId, POST /api/actions/batch, GET /healthz, GET /metrics, GET /openrpc.json and GET /inspector.`,
      }),
    );
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    // A client that pipelines requests and never reads the answers: drop it rather than queue them.
    if (backlogOf(req.socket) > deps.maxBufferedBytes) {
      req.socket.destroy();
      return;
    }
    try {
      await handle(req, res);
      trackQueued(res, req.socket);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        if (!res.headersSent) {
          // Close the connection once answered rather than read a body we will not use.
          res.setHeader("connection", "close");
          sendJson(
            res,
            413,
            rpcError(-32600, "InvalidRequest", `The body exceeds ${deps.maxBodyBytes} bytes (--max-frame-bytes).`),
          );
        }
        return;
      }
      if (deps.storage.isUnavailable(err)) {
        deps.log.warn({ err, path }, "database unreachable");
        if (!res.headersSent) {
          res.setHeader("retry-after", "1");
          sendJson(
            res,
            503,
            rpcError(-32039, "Unavailable", "The hub cannot reach its database right now; retry shortly.", {
              retryAfterMs: 1000,
            }),
          );
        }
        return;
      }
      deps.log.error({ err, path }, "HTTP request failed");
      if (!res.headersSent)
        sendJson(res, 500, rpcError(-32603, "Internal", "The hub hit an unexpected error; it was logged."));
    }
  };
};
