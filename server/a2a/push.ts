import { randomUUID } from "node:crypto";
import { A2a } from "../../protocol/index.ts";
import { decodeCursor, encodeCursor, nowIso, type A2aPushRecord, type A2aTaskRow } from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import { newWebhookSecret, refuseUrl } from "../webhooks/index.ts";
import type { LaneSource, LaneState } from "../webhooks/worker.ts";
import type { A2aCaller, A2aService, A2aTarget } from "./service.ts";

const { a2aError, terminalStates } = A2a;

/** The header that carries a caller's opaque token (A2A 1.0, 6.6; what @a2a-js/sdk's sender uses). */
export const TOKEN_HEADER = "X-A2A-Notification-Token";

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 bytes. */
const isSigningSecret = (token: string): boolean => {
  if (!token.startsWith("whsec_")) return false;
  const b64 = token.slice("whsec_".length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const n = Buffer.from(b64, "base64").length;
  return n >= 24 && n <= 64;
};

/** An HTTP auth scheme is a token (RFC 9110 5.6.2); credentials are one header value's worth of visible text. */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const CREDENTIALS = /^[\x20-\x7e]{1,4096}$/;

/** The lease and lane key of a config: task ids hold no `/`. */
const keyOf = (taskId: string, id: string) => `${taskId}/${id}`;
const splitKey = (key: string): [string, string] => {
  const at = key.indexOf("/");
  return [key.slice(0, at), key.slice(at + 1)];
};

/** A config checked and sealed, ready to store once its task is known (SendMessage opens the task). */
export interface PreparedPush {
  readonly id: string;
  /** The id was the caller's: storing it again replaces the config (a retried SendMessage stores nothing new). */
  readonly callerChoseId: boolean;
  readonly url: string;
  readonly sealedSecret: string;
  readonly sealedToken: string | undefined;
  readonly authScheme: string | undefined;
  readonly sealedCredentials: string | undefined;
  /** What the answer shows as `token`: the signing secret the hub chose (shown once), or the caller's token. */
  readonly answerToken: string;
}

type PushConfigParams = typeof A2a.TaskPushNotificationConfig.Type;

/**
 * A2A push-notification configs (A2A 1.0, 3.1.7-3.1.10 and 4.3): a caller's
 * webhook for one task. Delivery is the webhook worker's
 * (server/webhooks/worker.ts): each config is a lane whose requests are the
 * task's status updates, read from the conversation in seq order (the
 * events a stream writes), signed the Standard Webhooks way, checked
 * against the same URL rules, retried on the same schedule, one node at a
 * time. docs/A2A.md says how the A2A fields map onto the signing.
 */
export const makeA2aPush = (hub: HubContext, service: A2aService) => {
  const { storage, sealer, config } = hub;

  const invalid = (field: string, description: string) =>
    a2aError("InvalidParamsError", `${field}: ${description}`, {}, [{ field, description }]);

  const noConfig = (taskId: string, id: string) =>
    a2aError(
      "TaskNotFoundError",
      `Task ${taskId} has no push notification config ${id}; ListTaskPushNotificationConfigs shows the ones it has.`,
      { taskId, id },
    );

  /**
   * Check the config's URL, token and authentication, and seal what must not
   * be read back. `answered`: the config itself is the answer (Create), so a
   * signing secret the hub picks reaches the caller.
   */
  const prepare = async (p: PushConfigParams, field: string, answered = true): Promise<PreparedPush> => {
    const id = p.id || randomUUID();
    if (id.length > 100) throw invalid(`${field}.id`, "at most 100 characters");
    if (p.url.length > 2_048) throw invalid(`${field}.url`, "at most 2048 characters");
    const refused = await refuseUrl(p.url, config.webhookAllowPrivate);
    if (refused !== undefined) throw invalid(`${field}.url`, refused);
    const token = p.token || undefined;
    if (token === undefined && !answered) {
      // SendMessage answers with the task, not the config: a secret the hub chose here would reach nobody.
      throw invalid(
        `${field}.token`,
        "required here: pass a Standard Webhooks secret you generated (whsec_ and the base64 of 32 random bytes) that signs every request, or create the config with CreateTaskPushNotificationConfig, whose answer carries one the hub chose",
      );
    }
    if (token !== undefined && !CREDENTIALS.test(token)) {
      throw invalid(`${field}.token`, "1 to 4096 visible ASCII characters (it may travel in a header)");
    }
    let secret: string;
    let headerToken: string | undefined;
    if (token === undefined) secret = newWebhookSecret();
    else if (isSigningSecret(token)) secret = token;
    else {
      // An opaque token: sent as the A2A header, and the key of the signature too (Standard Webhooks' raw form).
      secret = `whsec_${Buffer.from(token, "latin1").toString("base64")}`;
      headerToken = token;
    }
    const auth = p.authentication;
    if (auth !== undefined) {
      if (!SCHEME.test(auth.scheme))
        throw invalid(`${field}.authentication.scheme`, "an HTTP auth scheme, such as Bearer");
      if (auth.credentials !== undefined && auth.credentials !== "" && !CREDENTIALS.test(auth.credentials)) {
        throw invalid(`${field}.authentication.credentials`, "1 to 4096 visible ASCII characters");
      }
    }
    const credentials = auth?.credentials || undefined;
    return {
      id,
      callerChoseId: Boolean(p.id),
      url: p.url,
      sealedSecret: sealer.seal(secret),
      sealedToken: headerToken === undefined ? undefined : sealer.seal(headerToken),
      authScheme: auth?.scheme,
      sealedCredentials: credentials === undefined ? undefined : sealer.seal(credentials),
      answerToken: token ?? secret,
    };
  };

  /** The config as Get and List show it: no token, no credentials (they are secrets; Create showed them). */
  const shown = (r: A2aPushRecord) => ({
    id: r.id,
    taskId: r.taskId,
    url: r.url,
    ...(r.authScheme !== undefined ? { authentication: { scheme: r.authScheme } } : {}),
  });

  /**
   * Store a prepared config for the task, delivering what follows seq `from`
   * (the task's newest message when undefined); refused once the task ended.
   */
  const store = async (row: A2aTaskRow, p: PreparedPush, from: number | undefined) => {
    const rec = await hub.commit(async () => {
      const state = await service.currentState(row, true);
      if (terminalStates.has(state)) {
        throw a2aError(
          "UnsupportedOperationError",
          `Task ${row.taskId} is ${state}: it will not change any more, so there is nothing to push. GetTask reads it.`,
          { taskId: row.taskId, state },
        );
      }
      const existing = await storage.a2aPush.get(row.taskId, p.id);
      if (!existing && (await storage.a2aPush.count(row.taskId)) >= config.a2aMaxPushConfigs) {
        throw invalid(
          "id",
          `task ${row.taskId} already has ${config.a2aMaxPushConfigs} push notification configs (--a2a-max-push-configs); delete one, or reuse its id to replace it`,
        );
      }
      const newest = (await storage.conversations.get(row.conversationId))?.lastSeq ?? 0;
      return storage.a2aPush.put({
        taskId: row.taskId,
        id: p.id,
        clientId: row.clientId,
        url: p.url,
        secret: p.sealedSecret,
        token: p.sealedToken,
        authScheme: p.authScheme,
        authCredentials: p.sealedCredentials,
        at: nowIso(),
        deliveredThrough: 2 * (from ?? newest),
      });
    });
    await hub.webhooks.changed(keyOf(row.taskId, p.id));
    return { ...shown(rec), token: p.answerToken, ...authAnswer(p) };
  };

  /** Create echoes the authentication it was given (credentials included): the caller sent them just now. */
  const authAnswer = (p: PreparedPush) =>
    p.authScheme === undefined
      ? {}
      : {
          authentication: {
            scheme: p.authScheme,
            ...(p.sealedCredentials !== undefined ? { credentials: sealer.open(p.sealedCredentials) } : {}),
          },
        };

  const create = async (caller: A2aCaller, target: A2aTarget, p: PushConfigParams) => {
    if (!p.taskId) throw invalid("taskId", "name the task the config is for");
    const row = await service.ownTask(caller, target, p.taskId);
    return store(row, await prepare(p, "params"), undefined);
  };

  const get = async (caller: A2aCaller, target: A2aTarget, taskId: string, id: string) => {
    await service.ownTask(caller, target, taskId);
    const rec = await storage.a2aPush.get(taskId, id);
    if (!rec) throw noConfig(taskId, id);
    return shown(rec);
  };

  const list = async (
    caller: A2aCaller,
    target: A2aTarget,
    p: typeof A2a.ListTaskPushNotificationConfigsRequest.Type,
  ) => {
    await service.ownTask(caller, target, p.taskId);
    const pageSize = Math.min(Math.max(p.pageSize || 50, 1), 100);
    let after = "";
    if (p.pageToken) {
      const decoded = decodeCursor(p.pageToken, ["string"]);
      if (!decoded) throw invalid("pageToken", "is not a token this hub issued; pass nextPageToken back unchanged");
      after = decoded[0];
    }
    const rows = await storage.a2aPush.list(p.taskId, after, pageSize + 1);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      configs: page.map(shown),
      nextPageToken: rows.length > pageSize && last ? encodeCursor([last.id]) : "",
    };
  };

  /** Idempotent (3.1.10): deleting a config that is not there answers the same. */
  const remove = async (caller: A2aCaller, target: A2aTarget, taskId: string, id: string) => {
    await service.ownTask(caller, target, taskId);
    await hub.commit(() => storage.a2aPush.delete(taskId, id));
    await hub.webhooks.changed(keyOf(taskId, id));
    return {};
  };

  /** The configs as lanes of the webhook worker, woken by the events of the task's caller. */
  const lanes: LaneSource = {
    kind: "a2a_push",
    owns: (key) => key.includes("/"),
    active: async () =>
      (await storage.a2aPush.active()).map((c) => ({ key: keyOf(c.taskId, c.id), recipient: c.clientId })),
    async load(key) {
      const rec = await storage.a2aPush.get(...splitKey(key));
      if (!rec || rec.status !== "active") return undefined;
      const headers: Record<string, string> = {};
      if (rec.token !== undefined) headers[TOKEN_HEADER] = sealer.open(rec.token);
      if (rec.authScheme !== undefined && rec.authCredentials !== undefined) {
        headers.authorization = `${rec.authScheme} ${sealer.open(rec.authCredentials)}`;
      }
      const state: LaneState = {
        url: rec.url,
        secrets: [sealer.open(rec.secret)],
        headers,
        deliveredThrough: rec.deliveredThrough,
        attempts: rec.attempts,
        nextAttemptAt: rec.nextAttemptAt,
      };
      return { state, recipient: rec.clientId };
    },
    async next(key, state) {
      const [taskId] = splitKey(key);
      const row = await storage.a2a.task(taskId);
      if (!row) return undefined;
      const next = await service.nextUpdate(row, state.deliveredThrough);
      if (!next) return undefined;
      return {
        position: next.position,
        id: `${key}.${next.seq}${next.end && next.position === state.deliveredThrough + 1 ? ".end" : ""}`,
        method: "statusUpdate",
        body: JSON.stringify(next.event),
      };
    },
    advance: (key, position, holder, nowMs) => storage.a2aPush.advance(...splitKey(key), position, holder, nowMs),
    retryLater: (key, state, attempts, nextAt, holder, nowMs) =>
      storage.a2aPush.retryLater(...splitKey(key), state.deliveredThrough, attempts, nextAt, holder, nowMs),
    pause: (key, state, attempts, failure, _at, holder, nowMs) =>
      storage.a2aPush.pause(...splitKey(key), state.deliveredThrough, attempts, failure, holder, nowMs),
  };

  return { prepare, store, create, get, list, remove, lanes };
};

export type A2aPushService = ReturnType<typeof makeA2aPush>;
