import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "./dispatcher.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { verifyToken, type AuthedPrincipal } from "./tokens.ts";
import type { Storage } from "../storage/index.ts";

export interface HttpDeps {
  readonly storage: Storage;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly openrpc: () => Record<string, unknown>;
  readonly maxBodyBytes: number;
  /** Extra routes (the HTTP form of actions); answer true when handled. */
  readonly routes?: ReadonlyArray<
    (req: IncomingMessage, res: ServerResponse, body: () => Promise<string>) => Promise<boolean>
  >;
}

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
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
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
  | { readonly ok: true; readonly principal: AuthedPrincipal | undefined }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

/** No header: anonymous. A header with a bad token: 401; a suspended agent: 403. */
export const checkBearer = (storage: Storage, req: IncomingMessage): BearerCheck => {
  const token = bearerOf(req);
  if (token === undefined) return { ok: true, principal: undefined };
  const v = verifyToken(storage, token);
  if (v.ok) return { ok: true, principal: v.principal };
  return v.reason === "suspended"
    ? { ok: false, status: 403, reason: "suspended" }
    : { ok: false, status: 401, reason: "invalid_token" };
};

const rpcError = (code: number, tag: string, message: string, data: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message, data: { tag, ...data } } });

/**
 * GET /healthz, GET /metrics, GET /openrpc.json and POST /rpc. JSON-RPC
 * answers over POST /rpc are 200 whatever their outcome (the error is in the
 * body), except a bad bearer token (401), a suspended agent (403) and a body
 * over the frame limit (413); a body of notifications only is 204.
 */
export const createHttpHandler =
  (deps: HttpDeps) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (req.method === "GET" && path === "/healthz") return sendJson(res, 200, '{"status":"ok"}');
      if (req.method === "GET" && path === "/metrics") {
        const text = await deps.metrics.registry.metrics();
        res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (req.method === "GET" && path === "/openrpc.json") return sendJson(res, 200, JSON.stringify(deps.openrpc()));
      const body = () => readBody(req, deps.maxBodyBytes);
      if (req.method === "POST" && path === "/rpc" && deps.dispatcher.draining) {
        return sendJson(res, 503, '{"error":"the hub is shutting down; nothing was executed, retry shortly"}');
      }
      if (req.method === "POST" && path === "/rpc") {
        const auth = checkBearer(deps.storage, req);
        if (!auth.ok) {
          const message =
            auth.status === 401 ? "The bearer token is invalid or was rotated." : "This agent is suspended.";
          return sendJson(
            res,
            auth.status,
            rpcError(
              auth.status === 401 ? -32000 : -32001,
              auth.status === 401 ? "Unauthorized" : "Forbidden",
              message,
              { reason: auth.reason },
            ),
          );
        }
        const answer = await deps.dispatcher.onHttp(auth.principal, await body());
        if (answer === undefined) {
          res.writeHead(204);
          res.end();
          return;
        }
        return sendJson(res, 200, answer);
      }
      for (const route of deps.routes ?? []) if (await route(req, res, body)) return;
      sendJson(
        res,
        404,
        JSON.stringify({
          error: `No route for ${req.method} ${path}. The hub serves GET /ws, POST /rpc, POST /api/actions/:actionId, POST /api/actions/batch, GET /healthz, GET /metrics, GET /openrpc.json and GET /inspector.`,
        }),
      );
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
      deps.log.error({ err, path }, "HTTP request failed");
      if (!res.headersSent)
        sendJson(res, 500, rpcError(-32603, "Internal", "The hub hit an unexpected error; it was logged."));
    }
  };
