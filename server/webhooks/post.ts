import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { pinnedLookup, resolveTarget } from "./address.ts";

/** Why a webhook request produced no 2xx answer. */
export type PostFailure =
  | "refused_address" // the URL no longer resolves to an acceptable address: no connection was made
  | "unreachable" // the connection was refused, or the name did not resolve
  | "timeout"
  | "network" // reset, closed early, TLS failure
  | "status" // an answer that is not 2xx (redirects included: never followed)
  | "too_large"; // a response body over the cap

export type PostResult =
  | { readonly ok: true; readonly status: number; readonly body: string; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly failure: PostFailure;
      readonly status?: number;
      /** Says what happened, for the attempt log and the webhook's `failure`: never a secret. */
      readonly error: string;
      readonly durationMs: number;
    };

export interface PostOptions {
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Aborts the request (the hub is stopping). */
  readonly signal?: AbortSignal;
}

/**
 * One POST to a webhook: resolved once and checked (address.ts), connected
 * to that address, redirects not followed, the response body read up to a
 * cap, the whole exchange bounded by one timeout.
 */
export const postWebhook = async (
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  options: PostOptions,
): Promise<PostResult> => {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const resolved = await resolveTarget(url, options.allowPrivate);
  if (!resolved.ok) {
    const failure = resolved.reason.includes("does not resolve") ? "unreachable" : "refused_address";
    return { ok: false, failure, error: `URL refused: it ${resolved.reason}`, durationMs: elapsed() };
  }
  const { target } = resolved;
  const request = target.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    const fail = (failure: PostFailure, error: string, status?: number) =>
      done({ ok: false, failure, error, durationMs: elapsed(), ...(status !== undefined ? { status } : {}) });
    const req = request(target.url, {
      method: "POST",
      agent: false,
      lookup: pinnedLookup(target),
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": "switchboard-webhooks",
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      fail("timeout", `no answer within ${options.timeoutMs} ms`);
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      fail("network", "the hub stopped during the request");
      req.destroy();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") fail("unreachable", "connection refused");
      else if (err.code === "ECONNRESET") fail("network", "connection reset");
      else fail("network", err.code ? `network error (${err.code})` : "network error");
    });
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxResponseBytes) {
          fail("too_large", `response body over ${options.maxResponseBytes} bytes`, status);
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", () => fail("network", "connection reset while reading the response", status));
      res.on("end", () => {
        if (status >= 200 && status < 300) {
          done({ ok: true, status, body: Buffer.concat(chunks).toString("utf8"), durationMs: elapsed() });
        } else if (status >= 300 && status < 400) {
          fail("status", `HTTP ${status}: redirects are not followed`, status);
        } else fail("status", `HTTP ${status}`, status);
      });
    });
    req.end(body);
  });
};
