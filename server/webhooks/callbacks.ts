import { nowIso } from "../../storage/index.ts";
import type { CallbackFailure } from "../callbacks.ts";
import type { WorkerDeps } from "./worker.ts";
import { safeHost, signedHeaders } from "./worker.ts";
import { postWebhook } from "./post.ts";

/** A callback's answer from a webhook: the JSON-RPC response it returned, not yet checked. */
export type WebhookAnswer =
  { readonly ok: true; readonly response: unknown } | { readonly ok: false; readonly failure: CallbackFailure };

/**
 * Callbacks (5.6, 7.7) to an app that has a webhook and no connected socket
 * (section 12): the JSON-RPC request is POSTed, signed with `webhook-id` = the
 * callback id, and the response body must be the JSON-RPC response. Not
 * retried. A timeout is `timeout`; no connection made (refused, or an address
 * no longer acceptable) is `app_unreachable`, so the app certainly did not
 * act; anything else (a non-2xx status, a reset, a body that is not JSON) is
 * `invalid`: fail closed, as for a socket.
 */
export const makeWebhookCallbacks = (deps: WorkerDeps) => ({
  /** Call the app over its webhook; `app_unreachable` when it has none. */
  async call(appId: string, id: string, method: string, params: unknown): Promise<WebhookAnswer> {
    // The database unreachable: the app cannot be called, so fail closed like a missing socket.
    const rec = await deps.storage.webhooks.get(appId).catch(() => undefined);
    if (!rec) return { ok: false, failure: "app_unreachable" };
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    const result = await postWebhook(rec.webhook.url, signedHeaders(deps.sealer, rec, id, body), body, {
      allowPrivate: deps.config.webhookAllowPrivate,
      timeoutMs: deps.config.callbackTimeoutMs,
      maxResponseBytes: deps.config.webhookMaxResponseBytes,
    });
    let answer: WebhookAnswer;
    if (result.ok) {
      try {
        answer = { ok: true, response: JSON.parse(result.body) as unknown };
      } catch {
        answer = { ok: false, failure: "invalid" };
      }
    } else if (result.failure === "timeout") answer = { ok: false, failure: "timeout" };
    else if (result.failure === "unreachable" || result.failure === "refused_address")
      answer = { ok: false, failure: "app_unreachable" };
    else answer = { ok: false, failure: "invalid" };
    const outcome = result.ok ? "delivered" : "failed";
    const error = result.ok ? (answer.ok ? undefined : "response body is not JSON") : result.error;
    deps.metrics.webhookDeliveries.inc({ kind: "callback", outcome });
    deps.metrics.webhookSeconds.observe({ kind: "callback", outcome }, result.durationMs / 1000);
    if (!result.ok || !answer.ok) {
      deps.log.warn(
        {
          appId,
          callbackId: id,
          host: safeHost(rec.webhook.url),
          method,
          httpStatus: result.status,
          error,
        },
        "webhook callback failed",
      );
    }
    deps
      .commit(() =>
        deps.storage.webhooks.logAttempt(
          {
            appId,
            callbackId: id,
            method,
            attempt: 1,
            outcome,
            httpStatus: result.status,
            error,
            durationMs: result.durationMs,
            at: nowIso(),
          },
          deps.config.webhookDeliveriesKept,
        ),
      )
      .catch((err: unknown) => deps.log.error({ err, appId }, "could not log a webhook callback attempt"));
    return answer;
  },
});
export type WebhookCallbacks = ReturnType<typeof makeWebhookCallbacks>;
