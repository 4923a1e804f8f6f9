import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { A2a, strictDecoder, type Decoded } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { bearerOf, sendJson, type Guard, type Refusal } from "../http.ts";
import { deeperThan } from "../limits.ts";
import { verifyA2aToken } from "../tokens.ts";
import { agentCard, A2A_VERSION, hostCard } from "./card.ts";
import type { A2aPushService } from "./push.ts";
import type { A2aCaller, A2aService, A2aTarget } from "./service.ts";
import { openSse, type SseStream } from "./sse.ts";

const { a2aError, A2aError, a2aMethods, interruptedStates, terminalStates } = A2a;
type A2aMethodName = A2a.A2aMethodName;

const WELL_KNOWN = "/.well-known/agent-card.json";
const CARD_LIMIT = 1_000;
type Id = string | number | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const decoders = Object.fromEntries(
  Object.entries(a2aMethods).map(([name, def]) => [name, strictDecoder(def.params)]),
) as Record<A2aMethodName, (input: unknown) => Decoded<any>>;

/** `message.parts[0].text`: an issue path in the dotted form of google.rpc.BadRequest. */
const fieldOf = (path: ReadonlyArray<string | number>): string =>
  path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key), "");

const idOfFrame = (frame: unknown): Id =>
  isObject(frame) && (typeof frame.id === "string" || typeof frame.id === "number") ? frame.id : null;

const idOf = (text: string): Id => {
  try {
    return idOfFrame(JSON.parse(text));
  } catch {
    return null;
  }
};

const rpcAnswer = (id: Id, body: { result: unknown } | { error: A2a.A2aWireError }): string =>
  JSON.stringify({ jsonrpc: "2.0", id, ...body });

/**
 * The A2A edge over HTTP: agent cards and the A2A 1.0 JSON-RPC binding
 * (docs/A2A.md).
 *
 * - GET /.well-known/agent-card.json: the hub's card, one interface (tenant)
 *   per exposed agent; GET /a2a/<name>/.well-known/agent-card.json: one agent's.
 * - POST /a2a/<name> (or POST /a2a with `tenant` = the name): JSON-RPC, with
 *   SSE answers for SendStreamingMessage and SubscribeToTask.
 *
 * Bodies are capped by --max-frame-bytes (413) and nested at most
 * --max-json-depth deep; params are strict (an unknown field is
 * InvalidParamsError naming it); the bearer token must be an a2a-client's.
 * The HTTP gate applies as to POST /rpc: Host and Origin (403), a token
 * bucket per address before anything is read and one per a2a-client before
 * the body (429), and an unreachable database is UNAVAILABLE (503).
 */
export const a2aRoutes = (hub: HubContext, service: A2aService, push: A2aPushService) => {
  const { storage, config } = hub;
  const streams = new Map<string, Set<SseStream>>();

  const baseOf = (req: IncomingMessage): string =>
    (config.a2aPublicUrl || `http://${req.headers.host ?? `${config.host}:${config.port}`}`).replace(/\/+$/, "");

  const exposureOf = async (agentId: string): Promise<A2a.A2aExposure | undefined> => {
    const row = await storage.a2a.card(agentId);
    return row && (JSON.parse(row.cardJson) as A2a.A2aExposure);
  };

  /** Serve a card with the caching headers of A2A 8.6 (ETag from its content). */
  const serveCard = (req: IncomingMessage, res: ServerResponse, card: A2a.AgentCard): void => {
    const body = JSON.stringify(card);
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag, "cache-control": "public, max-age=60" });
      res.end();
      return;
    }
    res.setHeader("etag", etag);
    res.setHeader("cache-control", "public, max-age=60");
    sendJson(res, 200, body);
  };

  const notFound = (res: ServerResponse, message: string) => sendJson(res, 404, JSON.stringify({ error: message }));

  const cards = async (req: IncomingMessage, res: ServerResponse, name: string | undefined): Promise<void> => {
    const base = baseOf(req);
    if (name === undefined) {
      const agents: Array<{ name: string; exposure: A2a.A2aExposure }> = [];
      for (const row of await storage.a2a.cards(CARD_LIMIT)) {
        const agent = await storage.agents.get(row.agentId);
        if (agent && agent.status === "active") {
          agents.push({ name: agent.name, exposure: JSON.parse(row.cardJson) as A2a.A2aExposure });
        }
      }
      if (agents.length === 0) {
        return notFound(res, "No agent of this hub is exposed over A2A yet; an agent exposes itself with a2a/expose.");
      }
      return serveCard(req, res, hostCard(base, hub.version, agents));
    }
    const agentId = await storage.a2a.agentIdByName(name);
    const exposure = agentId !== undefined ? await exposureOf(agentId) : undefined;
    if (!exposure) return notFound(res, `No agent named ${name} is exposed over A2A on this hub; see ${WELL_KNOWN}.`);
    serveCard(req, res, agentCard(base, name, exposure));
  };

  /** The body of an error answer, and the HTTP status it goes with. */
  const fail = (res: ServerResponse, id: Id, error: InstanceType<typeof A2aError>, status = 200): void => {
    if (status === 401) res.setHeader("www-authenticate", 'Bearer realm="switchboard-a2a"');
    sendJson(res, status, rpcAnswer(id, { error: error.toWire() }));
  };

  const caller = async (req: IncomingMessage): Promise<A2aCaller | { status: 401 | 403; message: string }> => {
    const token = bearerOf(req);
    if (!token) {
      return {
        status: 401,
        message: "Send Authorization: Bearer <token>, the token the hub's admin issued to you as an a2a-client.",
      };
    }
    const v = await verifyA2aToken(storage, token);
    if (v.ok) return { clientId: v.clientId, name: v.name };
    return v.reason === "suspended"
      ? { status: 403, message: "This a2a-client is suspended; ask the hub's admin." }
      : { status: 401, message: "The bearer token is not a valid a2a-client token, or it was rotated." };
  };

  const checkVersion = (req: IncomingMessage): void => {
    const raw = req.headers["a2a-version"];
    const version = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
    // 3.6.2: an absent or empty A2A-Version means 0.3, which this edge does not speak.
    if (!/^1\.0(\.\d+)?$/.test(version)) {
      throw a2aError(
        "VersionNotSupportedError",
        `This hub speaks A2A ${A2A_VERSION}; send the header A2A-Version: ${A2A_VERSION} (got ${version === "" ? "none, which means 0.3" : JSON.stringify(version)}).`,
        { supportedVersions: A2A_VERSION },
      );
    }
  };

  const lastEventId = (req: IncomingMessage): number | undefined => {
    const raw = req.headers["last-event-id"];
    const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (v === undefined || v === "") return undefined;
    if (!/^(0|[1-9][0-9]{0,15})$/.test(v)) {
      throw a2aError("InvalidParamsError", "Last-Event-ID must be the seq of an event this task streamed.", {}, [
        { field: "Last-Event-ID", description: "a non-negative integer: the id of the last event received" },
      ]);
    }
    return Number(v);
  };

  const tooManyStreams = (clientId: string): boolean => (streams.get(clientId)?.size ?? 0) >= config.a2aMaxStreams;

  /** Answer with an SSE stream: the task snapshot first, then the events after `from`. */
  const stream = (
    res: ServerResponse,
    id: Id,
    who: A2aCaller,
    row: Parameters<A2aService["follow"]>[0],
    from: number,
    snapshot: A2a.Task,
  ): void => {
    let set = streams.get(who.clientId);
    if (!set) {
      set = new Set();
      streams.set(who.clientId, set);
    }
    const mine = set;
    let stop = () => {};
    const sse = openSse(
      res,
      { heartbeatMs: config.a2aSseHeartbeatMs, maxBufferedBytes: config.maxBufferedBytes },
      () => {
        stop();
        mine.delete(sse);
        if (mine.size === 0 && streams.get(who.clientId) === mine) streams.delete(who.clientId);
      },
    );
    mine.add(sse);
    const write = (event: A2a.StreamResponse, seq: number) => sse.send(rpcAnswer(id, { result: event }), seq);
    write({ task: snapshot }, from);
    stop = service.follow(row, from, write, () => sse.close());
  };

  const call = async (
    req: IncomingMessage,
    res: ServerResponse,
    id: Id,
    method: A2aMethodName,
    params: any,
    who: A2aCaller,
    target: A2aTarget,
  ): Promise<void> => {
    const ok = (result: unknown) => sendJson(res, 200, rpcAnswer(id, { result }));
    switch (method) {
      case "SendMessage":
      case "SendStreamingMessage": {
        if (!(await exposureOf(target.agentId))) {
          throw a2aError(
            "UnsupportedOperationError",
            `${target.name} is not exposed over A2A (any more); see ${WELL_KNOWN} for the agents that are.`,
          );
        }
        const p = params as A2a.SendMessageRequest;
        if (method === "SendStreamingMessage" && tooManyStreams(who.clientId)) return refuseStream(res, id);
        // A push config comes with the message: checked first, so a refused one stores no message either.
        const pushConfig = p.configuration?.taskPushNotificationConfig;
        const prepared =
          pushConfig && (await push.prepare(pushConfig, "configuration.taskPushNotificationConfig", false));
        const sent = await service.send(who, target, p);
        // The caller's message is addressed to the agent only: wake the caller's push configs for it.
        if (!sent.duplicate) hub.webhooks.poke(who.clientId);
        // Delivers what follows the caller's message; a retried message (same messageId) stores it again
        // only when the caller named the config (it then replaces itself).
        if (prepared && (!sent.duplicate || prepared.callerChoseId)) await push.store(sent.row, prepared, sent.seq);
        const history = p.configuration?.historyLength;
        if (method === "SendStreamingMessage") {
          return stream(res, id, who, sent.row, sent.seq, await service.taskAt(sent.row, sent.seq, history));
        }
        if (!p.configuration?.returnImmediately) {
          const aborted = new AbortController();
          res.once("close", () => aborted.abort());
          await service.waitFor(
            sent.row,
            (s) => terminalStates.has(s) || interruptedStates.has(s),
            config.a2aBlockingTimeoutMs,
            aborted.signal,
          );
        }
        return ok({ task: await service.taskAt((await storage.a2a.task(sent.row.taskId))!, undefined, history) });
      }
      case "GetTask": {
        const row = await service.ownTask(who, target, params.id);
        return ok(await service.taskAt(row, undefined, params.historyLength));
      }
      case "ListTasks":
        return ok(await service.list(who, target, params));
      case "CancelTask":
        return ok(await service.cancel(who, target, params.id));
      case "SubscribeToTask": {
        const row = await service.ownTask(who, target, params.id);
        const after = lastEventId(req);
        const newest = (await storage.conversations.get(row.conversationId))?.lastSeq ?? 0;
        if (after === undefined) {
          const state = await service.currentState(row);
          if (terminalStates.has(state)) {
            throw a2aError(
              "UnsupportedOperationError",
              `Task ${row.taskId} is ${state}; there is nothing to subscribe to. GetTask reads it, and Last-Event-ID replays what you missed.`,
              { taskId: row.taskId, state },
            );
          }
        } else if (after > newest) {
          throw a2aError(
            "InvalidParamsError",
            `Last-Event-ID ${after} is past this task's newest event (${newest}).`,
            {},
            [{ field: "Last-Event-ID", description: `at most ${newest}` }],
          );
        }
        if (tooManyStreams(who.clientId)) return refuseStream(res, id);
        const from = after ?? newest;
        return stream(res, id, who, row, from, await service.taskAt(row, from, undefined));
      }
      case "CreateTaskPushNotificationConfig":
        return ok(await push.create(who, target, params));
      case "GetTaskPushNotificationConfig":
        return ok(await push.get(who, target, params.taskId, params.id));
      case "ListTaskPushNotificationConfigs":
        return ok(await push.list(who, target, params));
      case "DeleteTaskPushNotificationConfig":
        return ok(await push.remove(who, target, params.taskId, params.id));
      case "GetExtendedAgentCard":
        throw a2aError(
          "UnsupportedOperationError",
          "This agent has no extended card (capabilities.extendedAgentCard is false); its public card is all there is.",
        );
    }
  };

  const refuseStream = (res: ServerResponse, id: Id): void => {
    res.setHeader("retry-after", "1");
    fail(
      res,
      id,
      a2aError(
        "UnsupportedOperationError",
        `You hold ${config.a2aMaxStreams} open streams (--a2a-max-streams); close one, or poll with GetTask.`,
      ),
      429,
    );
  };

  /** A refusal of the HTTP gate as an A2A error (its HTTP status kept, Retry-After on 429). */
  const refuse = (res: ServerResponse, id: Id, refusal: Refusal): void => {
    if (refusal.status === 429) {
      res.setHeader("retry-after", String(Math.ceil(Number(refusal.error.data.retryAfterMs ?? 1000) / 1000)));
      return fail(res, id, a2aError("RateLimitedError", refusal.error.message), 429);
    }
    fail(res, id, a2aError("PermissionDeniedError", refusal.error.message), refusal.status);
  };

  const unavailable = (res: ServerResponse, id: Id, err: unknown): void => {
    hub.log.warn({ err }, "A2A: database unreachable");
    res.setHeader("retry-after", "1");
    fail(
      res,
      id,
      a2aError("UnavailableError", "The hub cannot reach its database right now; nothing was done. Retry shortly."),
      503,
    );
  };

  const rpc = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: () => Promise<string>,
    guard: Guard,
    name: string | undefined,
  ) => {
    const screened = guard.screen();
    if (screened) return refuse(res, null, screened);
    // The token before the body is parsed, as on POST /rpc: a throttled caller's body is never read.
    let who: A2aCaller | { status: 401 | 403; message: string };
    try {
      who = await caller(req);
    } catch (err) {
      if (storage.isUnavailable(err)) return unavailable(res, null, err);
      throw err;
    }
    // A refused token still gets its request's id back when the body can be read, as on POST /rpc (10.24).
    if ("status" in who)
      return fail(res, idOf(await body()), a2aError("UnauthenticatedError", who.message), who.status);
    const limited = guard.principal(`a2a:${who.clientId}`);
    if (limited) return refuse(res, null, limited);
    const text = await body();
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return fail(res, null, a2aError("JSONParseError", "The body is not valid JSON; send one JSON-RPC 2.0 request."));
    }
    const id = idOfFrame(frame);
    if (!isObject(frame) || frame.jsonrpc !== "2.0" || typeof frame.method !== "string" || !("id" in frame)) {
      return fail(
        res,
        id,
        a2aError(
          "InvalidRequestError",
          'Send one JSON-RPC 2.0 request: {jsonrpc: "2.0", id, method, params}. Batches and notifications are not part of the A2A binding.',
        ),
      );
    }
    try {
      checkVersion(req);
      const method = frame.method;
      if (!Object.hasOwn(a2aMethods, method)) {
        throw a2aError(
          "MethodNotFoundError",
          `No A2A method ${method}. This hub serves the A2A ${A2A_VERSION} JSON-RPC methods: ${Object.keys(a2aMethods).join(", ")}.`,
        );
      }
      const params = frame.params ?? {};
      if (deeperThan(params, config.maxJsonDepth)) {
        throw a2aError(
          "InvalidParamsError",
          `params nest deeper than ${config.maxJsonDepth} levels (--max-json-depth).`,
        );
      }
      const decoded = decoders[method as A2aMethodName](params);
      if (!decoded.ok) {
        const violations = decoded.issues.map((i) => ({ field: fieldOf(i.path), description: i.message }));
        throw a2aError(
          "InvalidParamsError",
          `Invalid params: ${violations.map((v) => `${v.field || "params"}: ${v.description}`).join("; ")}`,
          {},
          violations,
        );
      }
      const tenant = (decoded.value as { tenant?: string }).tenant || undefined;
      if (name !== undefined && tenant !== undefined && tenant !== name) {
        throw a2aError("InvalidParamsError", `tenant ${tenant} does not match the agent of this URL (${name}).`, {}, [
          { field: "tenant", description: `omit it, or send ${name}` },
        ]);
      }
      const agentName = name ?? tenant;
      if (agentName === undefined) {
        throw a2aError("InvalidParamsError", `POST /a2a needs tenant: the name of the agent (see ${WELL_KNOWN}).`, {}, [
          { field: "tenant", description: "the agent's name" },
        ]);
      }
      const agentId = await storage.a2a.agentIdByName(agentName);
      if (agentId === undefined) {
        throw a2aError("TaskNotFoundError", `No agent named ${agentName} on this hub; see ${WELL_KNOWN}.`, {
          agent: agentName,
        });
      }
      await call(req, res, id, method as A2aMethodName, decoded.value, who, { agentId, name: agentName });
    } catch (err) {
      if (res.headersSent) {
        hub.log.error({ err }, "A2A: a stream failed after it started");
        res.end();
        return;
      }
      if (err instanceof A2aError) return fail(res, id, err);
      if (storage.isUnavailable(err)) return unavailable(res, id, err);
      throw err;
    }
  };

  const route = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: () => Promise<string>,
    _gate: unknown,
    guard: Guard,
  ): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== WELL_KNOWN && path !== "/a2a" && !path.startsWith("/a2a/")) return false;
    // Cards too: a foreign Host (DNS rebinding) or a flood from one address is refused on every A2A path.
    const screened = guard.screen();
    if (screened) {
      refuse(res, null, screened);
      return true;
    }
    if (path === WELL_KNOWN) {
      if (req.method !== "GET") return methodNotAllowed(res, "GET");
      await cards(req, res, undefined);
      return true;
    }
    const rest = path.slice("/a2a".length).replace(/^\/+/, "");
    const [segment, ...tail] = rest.split("/");
    const name = segment ? decodeURIComponent(segment) : undefined;
    const sub = tail.filter((s) => s !== "").join("/");
    if (name !== undefined && `/${sub}` === WELL_KNOWN) {
      if (req.method !== "GET") return methodNotAllowed(res, "GET");
      await cards(req, res, name);
      return true;
    }
    if (sub !== "") {
      notFound(
        res,
        `No A2A route ${path}. Cards: ${WELL_KNOWN} and /a2a/<agent>${WELL_KNOWN}; JSON-RPC: POST /a2a/<agent>.`,
      );
      return true;
    }
    if (req.method !== "POST") return methodNotAllowed(res, "POST");
    await rpc(req, res, body, guard, name);
    return true;
  };

  const methodNotAllowed = (res: ServerResponse, allow: string): true => {
    res.setHeader("allow", allow);
    sendJson(res, 405, JSON.stringify({ error: `Use ${allow} here.` }));
    return true;
  };

  /** End every open stream (graceful shutdown): clients resume with Last-Event-ID on another start. */
  const close = (): void => {
    for (const set of streams.values()) for (const s of set) s.close();
  };

  return { route, close };
};
