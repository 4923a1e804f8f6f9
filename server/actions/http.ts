import type { IncomingMessage, ServerResponse } from "node:http";
import { errorTable, type ErrorTag, type Issue, type WireError } from "../../protocol/index.ts";
import type { Storage } from "../../storage/index.ts";
import type { Dispatcher } from "../dispatcher.ts";
import { sendJson, type Gate, type Route } from "../http.ts";

const PREFIX = "/api/actions/";

type Answer = { readonly result: unknown } | { readonly error: WireError };

const wireError = (tag: ErrorTag, message?: string, data: Record<string, unknown> = {}): WireError => ({
  code: errorTable[tag].code,
  message: message ?? errorTable[tag].message,
  data: { tag, ...data },
});

const statusOf = (error: WireError): number => {
  const tag = error.data.tag;
  return tag in errorTable ? errorTable[tag as ErrorTag].http : 500;
};

const fail = (res: ServerResponse, error: WireError): void =>
  sendJson(res, statusOf(error), JSON.stringify({ success: false, error }));

const invalidBody = (res: ServerResponse, issues: Issue[]): void =>
  fail(res, wireError("InvalidParams", undefined, { issues }));

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The HTTP form of actions (section 7.8). Each request becomes the
 * equivalent `actions/invoke` or `actions/batch` call on the one dispatcher,
 * so both forms share every check; the answer is unwrapped into
 * `{success, result | error}` (or `{results}`) with the status of the error
 * table. Headers: `Authorization: Bearer`, `Idempotency-Key`,
 * `X-Actor-User-Id` (the user an app acts for) and `X-Confirmation-Id`.
 */
export const actionRoutes = (deps: { readonly storage: Storage; readonly dispatcher: Dispatcher }): Route[] => {
  const call = async (
    principal: Extract<Gate, { ok: true }>["principal"],
    method: "actions/invoke" | "actions/batch",
    params: Record<string, unknown>,
  ): Promise<Answer> => {
    const text = await deps.dispatcher.onHttp(principal, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
    return JSON.parse(text!) as Answer;
  };

  const route: Route = async (req, res, body, gateOf) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!path.startsWith(PREFIX)) return false;
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      sendJson(res, 405, JSON.stringify({ success: false, error: wireError("InvalidRequest", `Use POST ${path}.`) }));
      return true;
    }
    // Rate and token are checked before the body is read: a refused caller costs no body buffer.
    const gate = await gateOf();
    if (!gate.ok) {
      if (gate.status === 429)
        res.setHeader("retry-after", String(Math.ceil(Number(gate.error.data.retryAfterMs) / 1000)));
      fail(res, gate.error);
      return true;
    }
    const text = await body();
    let parsed: unknown = {};
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        fail(res, wireError("ParseError", "The body is not valid JSON."));
        return true;
      }
    }
    if (!isObject(parsed)) {
      invalidBody(res, [{ path: [], message: "the body must be a JSON object" }]);
      return true;
    }
    const actor = header(req, "x-actor-user-id");
    const key = header(req, "idempotency-key");
    const name = path.slice(PREFIX.length);

    if (name === "batch") {
      if (key !== undefined) {
        invalidBody(res, [
          {
            path: ["Idempotency-Key"],
            message: "is not taken by /api/actions/batch; give each item its own idempotencyKey",
          },
        ]);
        return true;
      }
      // X-Actor-User-Id is the default acting user of items that name none (10.15).
      const items = Array.isArray(parsed.actions)
        ? parsed.actions.map((item: unknown) =>
            actor !== undefined && isObject(item) && item.actorUserId === undefined
              ? { ...item, actorUserId: actor }
              : item,
          )
        : parsed.actions;
      const answer = await call(gate.principal, "actions/batch", { ...parsed, actions: items });
      if ("error" in answer) fail(res, answer.error);
      else sendJson(res, 200, JSON.stringify(answer.result));
      return true;
    }

    let action: string;
    try {
      action = decodeURIComponent(name);
    } catch {
      fail(res, wireError("ActionNotFound", "The action id in the path is not valid percent-encoding."));
      return true;
    }
    const { _context, ...params } = parsed;
    const answer = await call(gate.principal, "actions/invoke", {
      action,
      params,
      ...(actor !== undefined ? { actorUserId: actor } : {}),
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      ...(header(req, "x-confirmation-id") !== undefined ? { confirmationId: header(req, "x-confirmation-id") } : {}),
      ...(_context !== undefined ? { _context } : {}),
    });
    if ("error" in answer) fail(res, answer.error);
    else sendJson(res, 200, JSON.stringify({ success: true, result: (answer.result as { result: unknown }).result }));
    return true;
  };
  return [route];
};
