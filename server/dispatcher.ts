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
import type { Call, Implementation } from "./rpc.ts";
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

const ENVELOPE_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const ANONYMOUS = { type: "anonymous" } as const;

const isId = (v: unknown): v is Id =>
  v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));

const success = (id: Id, result: unknown): string =>
  `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}`;
const failure = (id: Id, error: WireError): string => JSON.stringify({ jsonrpc: "2.0", id, error });
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
    private readonly limits: { readonly maxJsonDepth: number } = { maxJsonDepth: 64 },
  ) {
    for (const impl of implementations) {
      if (this.table.has(impl.def.name)) throw new Error(`method ${impl.def.name} is implemented twice`);
      this.table.set(impl.def.name, {
        def: impl.def,
        handle: impl.handle,
        decode: strictDecoder(impl.def.params),
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
      return failure(null, errorOf("ParseError"));
    }
    if (!Array.isArray(msg)) return this.one(origin, msg);
    if (msg.length === 0) {
      this.malformed(origin);
      return failure(null, errorOf("InvalidRequest", "An empty batch is not a request; send at least one call."));
    }
    const answers = await Promise.all(msg.map((m) => this.one(origin, m)));
    const present = answers.filter((a): a is string => a !== undefined);
    return present.length > 0 ? `[${present.join(",")}]` : undefined;
  }

  private malformed(origin: Origin): void {
    origin.session?.countMalformed();
  }

  private async one(origin: Origin, msg: unknown): Promise<string | undefined> {
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      this.malformed(origin);
      return failure(null, errorOf("InvalidRequest", "Each call must be a JSON object."));
    }
    const m = msg as Record<string, unknown>;
    const hasId = "id" in m;
    const id: Id = hasId && isId(m.id) ? m.id : null;
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
      this.log.error({ err: error, method }, "handler failed");
      return fail(rpcError("Internal").toWire());
    }
  }
}
