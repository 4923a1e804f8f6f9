import {
  errorTable,
  isRpcError,
  methods,
  raise,
  rpcError,
  strictDecoder,
  type Decoded,
  type ErrorTag,
  type MethodDef,
  type WireError,
} from "../protocol/index.ts";
import type { AppCallbacks } from "./callbacks.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { deeperThan } from "./limits.ts";
import { lossyId, rawIdsOf } from "./raw-id.ts";
import { Serialized, type Call, type Implementation } from "./rpc.ts";

/** What Unavailable tells a client to wait before retrying. */
const UNAVAILABLE_RETRY_MS = 1000;
import type { Session } from "./session.ts";
import type { AuthedPrincipal } from "./tokens.ts";

type Id = string | number | null;
type Answer = { ok: true; result: unknown } | { ok: false; error: WireError };

const tooDeepError: WireError = { code: -32600, message: "nests too deeply", data: { tag: "InvalidRequest" } };

interface Entry {
  readonly def: MethodDef;
  readonly handle: Implementation["handle"];
  readonly decode: (input: unknown) => Decoded<unknown>;
  readonly callers: ReadonlySet<string>;
  /** The method's success counter, resolved once rather than by labels on every call. */
  readonly ok: { inc(): void };
}

/** Where a frame came from: a socket, or one POST /rpc with its bearer principal. */
interface Origin {
  readonly session: Session | undefined;
  readonly principal: AuthedPrincipal | undefined;
  readonly after: Array<() => void>;
}

export interface DispatchLimits {
  readonly maxJsonDepth: number;
  /** Calls in one JSON-RPC batch (--max-batch). */
  readonly maxBatch: number;
  /** Bytes of one answer, a whole batch's included (--max-answer-bytes). */
  readonly maxAnswerBytes: number;
  /** Issues listed in one InvalidParams answer (--max-issues). */
  readonly maxIssues: number;
  /** Whether an error thrown by a handler means the database is unreachable (Unavailable, not Internal). */
  readonly isUnavailable?: (error: unknown) => boolean;
}
const defaultDispatchLimits: DispatchLimits = {
  maxJsonDepth: 64,
  maxBatch: 100,
  maxAnswerBytes: 8 * 1024 * 1024,
  maxIssues: 20,
};

const ENVELOPE_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const ANONYMOUS = { type: "anonymous" } as const;

const isId = (v: unknown): v is Id =>
  v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));

/** Answers carry the id as JSON text: the parsed value, or the sender's own text when parsing lost precision. */
type IdText = string;
const NULL_ID: IdText = "null";
const success = (id: IdText, result: unknown): string =>
  `{"jsonrpc":"2.0","id":${id},"result":${result instanceof Serialized ? result.json : JSON.stringify(result)}}`;
const failure = (id: IdText, error: WireError): string =>
  `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify(error)}}`;

/** The id to echo for a request object (null when it has none that is valid). */
const idTextOf = (msg: unknown, raw: string | undefined): IdText => {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg) || !("id" in msg)) return NULL_ID;
  const id = (msg as { id: unknown }).id;
  if (!isId(id)) return NULL_ID;
  return raw !== undefined && lossyId(id) ? raw : JSON.stringify(id);
};
const errorOf = (tag: ErrorTag, message?: string, data: Record<string, unknown> = {}): WireError => ({
  code: errorTable[tag].code,
  message: message ?? errorTable[tag].message,
  data: { tag, ...data },
});

/**
 * decode → principal and requirements → handler → encode. One path for
 * sockets and POST /rpc; the order of checks is the contract's (sections 2,
 * 3 and 10.2): envelope, rate, method, authentication, caller type, params,
 * then the handler's own authority, resource and state checks.
 */
export class Dispatcher {
  private readonly table = new Map<string, Entry>();
  /** Set when the hub shuts down: calls already started finish; new ones are not started. */
  draining = false;

  constructor(
    implementations: ReadonlyArray<Implementation>,
    private readonly callbacks: AppCallbacks,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly limits: DispatchLimits = defaultDispatchLimits,
  ) {
    for (const impl of implementations) {
      if (this.table.has(impl.def.name)) throw new Error(`method ${impl.def.name} is implemented twice`);
      this.table.set(impl.def.name, {
        def: impl.def,
        handle: impl.handle,
        decode: strictDecoder(impl.def.params, this.limits.maxIssues),
        callers: new Set(impl.def.callers),
        ok: metrics.requests.labels(impl.def.name, "ok"),
      });
    }
    const missing = methods.filter((m) => !this.table.has(m.name)).map((m) => m.name);
    if (missing.length > 0) throw new Error(`declared methods without a handler: ${missing.join(", ")}`);
  }

  /** A text frame from a socket; answers are written to it. */
  async onFrame(session: Session, text: string): Promise<void> {
    if (session.closed) return;
    const origin: Origin = { session, principal: undefined, after: [] };
    const answer = await this.onText(origin, text);
    if (answer !== undefined) session.send(answer);
    for (const fn of origin.after) fn();
  }

  /** A POST /rpc body; returns the answer, or undefined when it held only notifications. */
  async onHttp(principal: AuthedPrincipal | undefined, text: string): Promise<string | undefined> {
    const origin: Origin = { session: undefined, principal, after: [] };
    const answer = await this.onText(origin, text);
    // No socket of the caller's to answer first: run the follow-ups (closing a rotated token's sockets) now.
    for (const fn of origin.after) fn();
    return answer;
  }

  private async onText(origin: Origin, text: string): Promise<string | undefined> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.malformed(origin);
      return failure(NULL_ID, errorOf("ParseError"));
    }
    if (!Array.isArray(msg)) {
      const raw = lossyId((msg as { id?: unknown } | null)?.id) ? (rawIdsOf(text) as string | undefined) : undefined;
      const id = idTextOf(msg, raw);
      return this.capped(id, await this.one(origin, msg, id));
    }
    if (msg.length === 0) {
      this.malformed(origin);
      return failure(NULL_ID, errorOf("InvalidRequest", "An empty batch is not a request; send at least one call."));
    }
    if (msg.length > this.limits.maxBatch) {
      return failure(
        NULL_ID,
        errorOf(
          "InvalidRequest",
          `A batch holds at most ${this.limits.maxBatch} calls (--max-batch); this one has ${msg.length}: split it. Nothing was executed.`,
          { reason: "batch_too_large" },
        ),
      );
    }
    const raws = msg.some((m) => lossyId((m as { id?: unknown } | null)?.id))
      ? (rawIdsOf(text) as Array<string | undefined>)
      : [];
    const ids = msg.map((m, i) => idTextOf(m, raws[i]));
    // A batch on a socket not yet authenticated runs in order, so that an auth/connect in it
    // authenticates the calls after it; otherwise its calls run side by side.
    let answers: Array<string | undefined>;
    if (origin.session && !origin.session.principal) {
      answers = [];
      for (let i = 0; i < msg.length; i++) answers.push(await this.one(origin, msg[i], ids[i]!));
    } else answers = await Promise.all(msg.map((m, i) => this.one(origin, m, ids[i]!)));
    // The answer is bounded as a whole: past --max-answer-bytes, the remaining results are replaced.
    let bytes = 2;
    const present: string[] = [];
    answers.forEach((a, i) => {
      if (a === undefined) return;
      bytes += a.length + 1;
      present.push(bytes > this.limits.maxAnswerBytes ? this.tooLarge(ids[i]!) : a);
    });
    return present.length > 0 ? `[${present.join(",")}]` : undefined;
  }

  /** A single answer over --max-answer-bytes is replaced by an error that says what to do. */
  private capped(id: IdText, answer: string | undefined): string | undefined {
    return answer !== undefined && answer.length > this.limits.maxAnswerBytes ? this.tooLarge(id) : answer;
  }

  private tooLarge(id: IdText): string {
    return failure(
      id,
      errorOf(
        "InvalidRequest",
        `The answer passes ${this.limits.maxAnswerBytes} bytes (--max-answer-bytes), so it was dropped; the call did run. Ask for less at once (fewer calls per batch, a smaller limit).`,
        { reason: "answer_too_large" },
      ),
    );
  }

  private malformed(origin: Origin): void {
    origin.session?.countMalformed();
  }

  private async one(origin: Origin, msg: unknown, id: IdText): Promise<string | undefined> {
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      this.malformed(origin);
      return failure(NULL_ID, errorOf("InvalidRequest", "Each call must be a JSON object."));
    }
    const m = msg as Record<string, unknown>;
    const hasId = "id" in m;
    // Shutting down: a request not started now is never executed, so its caller may safely retry
    // elsewhere; answers to our callbacks still go through, so the calls in flight can finish.
    if (this.draining && "method" in m) return undefined;
    // A batch item on a socket closed by an earlier item or meanwhile is not started.
    if (origin.session?.closed) return undefined;

    if (!("method" in m)) {
      // An app answering a callback of ours.
      if (origin.session && hasId && ("result" in m || "error" in m)) {
        // An answer too deep to decode safely counts as a malformed one.
        const answer = deeperThan(m, this.limits.maxJsonDepth + 1) ? { error: tooDeepError } : m;
        if (this.callbacks.answer(origin.session, m.id, answer as { result?: unknown; error?: WireError })) {
          return undefined;
        }
        this.log.debug({ id: m.id }, "response to no pending callback; ignored");
        this.malformed(origin);
        return undefined;
      }
      this.malformed(origin);
      return failure(id, errorOf("InvalidRequest", "A request needs a method."));
    }
    const unknown = Object.keys(m).filter((k) => !ENVELOPE_KEYS.has(k));
    if (m.jsonrpc !== "2.0" || typeof m.method !== "string" || (hasId && !isId(m.id)) || unknown.length > 0) {
      this.malformed(origin);
      const why =
        unknown.length > 0
          ? `Unknown member ${JSON.stringify(unknown[0])} in the request; only jsonrpc, id, method and params are allowed.`
          : m.jsonrpc !== "2.0"
            ? 'The request must carry jsonrpc: "2.0".'
            : typeof m.method !== "string"
              ? "method must be a string."
              : "id must be a string, a number or null.";
      return failure(id, errorOf("InvalidRequest", why));
    }
    const answer = await this.call(origin, m.method, m.params, "params" in m);
    return hasId ? (answer.ok ? success(id, answer.result) : failure(id, answer.error)) : undefined;
  }

  /** Every call gets an answer: anything thrown on the way, not only in the handler, is Internal. */
  private async call(origin: Origin, method: string, params: unknown, hasParams: boolean): Promise<Answer> {
    try {
      return await this.dispatch(origin, method, params, hasParams);
    } catch (error) {
      this.log.error({ err: error, method }, "call failed outside its handler");
      this.metrics.requests.inc({ method: this.table.has(method) ? method : "unknown", outcome: "Internal" });
      return { ok: false, error: rpcError("Internal").toWire() };
    }
  }

  private async dispatch(origin: Origin, method: string, params: unknown, hasParams: boolean): Promise<Answer> {
    const session = origin.session;
    const principal = session ? session.principal : origin.principal;
    const entry = this.table.get(method);
    const label = entry ? method : "unknown";
    const fail = (error: WireError) => {
      this.metrics.requests.inc({ method: label, outcome: String(error.data.tag) });
      return { ok: false as const, error };
    };

    if (session) {
      const wait = session.takeToken();
      if (wait > 0) return fail(errorOf("RateLimited", undefined, { retryAfterMs: wait }));
    }
    if (!entry)
      return fail(
        errorOf(
          "MethodNotFound",
          `No method ${JSON.stringify(method)}; see rpc.discover for the methods you may call.`,
        ),
      );
    if (!principal && !entry.callers.has("anonymous")) {
      return fail(
        errorOf(
          "Unauthorized",
          `${method} needs an authenticated connection: call auth/connect first, or send Authorization: Bearer <token>.`,
        ),
      );
    }
    if (principal && !entry.callers.has(principal.type)) {
      return fail(
        errorOf("MethodNotFound", `${method} is not available to ${principal.type} principals; see rpc.discover.`),
      );
    }
    if (!session && entry.def.socketOnly) {
      return fail(
        errorOf("MethodNotFound", `${method} needs a WebSocket connection (GET /ws); it is not served over POST /rpc.`),
      );
    }
    // An empty array is how some clients (the OpenRPC reference client) say "no params".
    if (Array.isArray(params) && params.length === 0) {
      hasParams = false;
      params = undefined;
    }
    if (hasParams && (typeof params !== "object" || params === null || Array.isArray(params))) {
      return fail(
        errorOf("InvalidParams", "params must be an object (by-name), or absent.", {
          issues: [
            {
              path: [],
              message: `expected an object, got ${params === null ? "null" : Array.isArray(params) ? "an array" : typeof params}`,
            },
          ],
        }),
      );
    }
    // Deeper values would overflow the stack of the decoder or of JSON.stringify further on.
    if (hasParams && deeperThan(params, this.limits.maxJsonDepth)) {
      return fail(
        errorOf(
          "InvalidParams",
          `params nest deeper than ${this.limits.maxJsonDepth} levels (--max-json-depth); flatten the data.`,
          { issues: [{ path: [], message: `nests deeper than ${this.limits.maxJsonDepth} levels` }] },
        ),
      );
    }
    const decoded = entry.decode(hasParams ? params : {});
    if (!decoded.ok) return fail(errorOf("InvalidParams", undefined, { issues: decoded.issues }));

    const call: Call<MethodDef> = {
      principal: (principal ?? ANONYMOUS) as Call<MethodDef>["principal"],
      session,
      raise,
      afterResponse: (fn) => origin.after.push(fn),
    };
    try {
      const result = await entry.handle(decoded.value, call);
      entry.ok.inc();
      return { ok: true, result };
    } catch (error) {
      if (isRpcError(error)) return fail(error.toWire());
      if (this.limits.isUnavailable?.(error)) {
        this.log.warn({ err: error, method }, "database unreachable");
        return fail(rpcError("Unavailable", { retryAfterMs: UNAVAILABLE_RETRY_MS }).toWire());
      }
      this.log.error({ err: error, method }, "handler failed");
      return fail(rpcError("Internal").toWire());
    }
  }
}
