import type { Schema } from "effect";
import { strictDecoder, type CallbackDef, type WireError } from "../protocol/index.ts";
import type { Metrics } from "./metrics.ts";
import type { Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";
import type { WebhookCallbacks } from "./webhooks/index.ts";

/** Why a callback produced no usable answer. */
export type CallbackFailure = "timeout" | "app_unreachable" | "invalid";

export type CallbackOutcome<R> =
  { readonly ok: true; readonly result: R } | { readonly ok: false; readonly failure: CallbackFailure };

interface Pending {
  readonly session: Session;
  readonly appId: string;
  readonly method: string;
  readonly decode: (input: unknown) => { ok: true; value: unknown } | { ok: false };
  readonly settle: (outcome: CallbackOutcome<unknown>) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Calls from the hub to apps (sections 5.6 and 7.7): a request with id
 * `cb-<n>` to one connected socket of the app, answered by an ordinary
 * response frame. The answer is decoded strictly against the callback's
 * result schema; an error answer or a malformed one is `invalid`. An app
 * with no connected socket but a webhook is called over its webhook instead
 * (section 12); a socket is preferred.
 */
/** A callback made on another node's socket of the app (server/cluster.ts); set on a hub of several nodes. */
export type RemoteCallback = (appId: string, def: CallbackDef, params: unknown) => Promise<CallbackOutcome<unknown>>;

/** Told when a callback starts and how it ends (the inspector's feed). */
export interface CallbackObserver {
  started(appId: string, method: string, params: unknown): void;
  settled(appId: string, method: string, outcome: CallbackOutcome<unknown>): void;
}

export class AppCallbacks {
  /** Where a callback goes when this node holds no socket of the app. */
  remote: RemoteCallback | undefined;
  private next = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly perApp = new Map<string, number>();
  private readonly decoders = new Map<string, Pending["decode"]>();
  private roundRobin = 0;
  observer: CallbackObserver | undefined;

  constructor(
    private readonly sessions: Sessions,
    private readonly metrics: Metrics,
    private readonly limits: { readonly timeoutMs: number; readonly maxPendingPerApp: number },
    private readonly webhooks?: WebhookCallbacks,
  ) {}

  call<P extends Schema.Schema.AnyNoContext, R extends Schema.Schema.AnyNoContext>(
    appId: string,
    def: CallbackDef<string, P, R>,
    params: Schema.Schema.Type<P>,
  ): Promise<CallbackOutcome<Schema.Schema.Type<R>>> {
    const session = this.pick(appId);
    const inFlight = this.perApp.get(appId) ?? 0;
    if (!session && inFlight < this.limits.maxPendingPerApp && (this.remote || this.webhooks)) {
      return this.elsewhere(appId, def, params, inFlight);
    }
    if (!session || inFlight >= this.limits.maxPendingPerApp) {
      this.metrics.callbacks.inc({ method: def.name, outcome: "app_unreachable" });
      this.observer?.settled(appId, def.name, { ok: false, failure: "app_unreachable" });
      return Promise.resolve({ ok: false, failure: "app_unreachable" });
    }
    const id = `cb-${++this.next}`;
    return new Promise((resolve) => {
      const settle = (outcome: CallbackOutcome<unknown>) => {
        const p = this.pending.get(id);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(id);
        this.perApp.set(appId, (this.perApp.get(appId) ?? 1) - 1);
        this.metrics.callbacks.inc({ method: def.name, outcome: outcome.ok ? "ok" : outcome.failure });
        this.observer?.settled(appId, def.name, outcome);
        resolve(outcome as CallbackOutcome<Schema.Schema.Type<R>>);
      };
      const timer = setTimeout(() => settle({ ok: false, failure: "timeout" }), this.limits.timeoutMs);
      this.pending.set(id, { session, appId, method: def.name, decode: this.decoder(def), settle, timer });
      this.perApp.set(appId, inFlight + 1);
      this.observer?.started(appId, def.name, params);
      session.send(JSON.stringify({ jsonrpc: "2.0", id, method: def.name, params }));
    });
  }

  /**
   * No socket of the app here: first a socket on another node (several nodes, section 11), then the
   * app's webhook (section 12; it answers app_unreachable when the app has none).
   */
  private async elsewhere<P extends Schema.Schema.AnyNoContext, R extends Schema.Schema.AnyNoContext>(
    appId: string,
    def: CallbackDef<string, P, R>,
    params: Schema.Schema.Type<P>,
    inFlight: number,
  ): Promise<CallbackOutcome<Schema.Schema.Type<R>>> {
    this.observer?.started(appId, def.name, params);
    let outcome: CallbackOutcome<Schema.Schema.Type<R>> = { ok: false, failure: "app_unreachable" };
    if (this.remote) outcome = await this.viaNode(appId, def, params);
    if (!outcome.ok && outcome.failure === "app_unreachable" && this.webhooks) {
      outcome = await this.viaWebhook(appId, def, params, inFlight);
    } else {
      this.metrics.callbacks.inc({ method: def.name, outcome: outcome.ok ? "ok" : outcome.failure });
    }
    this.observer?.settled(appId, def.name, outcome);
    return outcome;
  }

  private async viaNode<P extends Schema.Schema.AnyNoContext, R extends Schema.Schema.AnyNoContext>(
    appId: string,
    def: CallbackDef<string, P, R>,
    params: Schema.Schema.Type<P>,
  ): Promise<CallbackOutcome<Schema.Schema.Type<R>>> {
    const outcome = await this.remote!(appId, def as CallbackDef, params);
    if (!outcome.ok) return outcome;
    // Decoded on the node that made the call; decoded again here into this callback's types.
    const decoded = this.decoder(def)(outcome.result);
    return decoded.ok
      ? { ok: true, result: decoded.value as Schema.Schema.Type<R> }
      : { ok: false, failure: "invalid" };
  }

  private async viaWebhook<P extends Schema.Schema.AnyNoContext, R extends Schema.Schema.AnyNoContext>(
    appId: string,
    def: CallbackDef<string, P, R>,
    params: Schema.Schema.Type<P>,
    inFlight: number,
  ): Promise<CallbackOutcome<Schema.Schema.Type<R>>> {
    const id = `cb-${++this.next}`;
    this.perApp.set(appId, inFlight + 1);
    let outcome: CallbackOutcome<unknown>;
    try {
      const answer = await this.webhooks!.call(appId, id, def.name, params);
      outcome = answer.ok ? this.readResponse(def, id, answer.response) : answer;
    } finally {
      this.perApp.set(appId, (this.perApp.get(appId) ?? 1) - 1);
    }
    this.metrics.callbacks.inc({ method: def.name, outcome: outcome.ok ? "ok" : outcome.failure });
    return outcome as CallbackOutcome<Schema.Schema.Type<R>>;
  }

  /** A webhook's response body: the JSON-RPC response to callback `id`, with a result that decodes. */
  private readResponse(def: CallbackDef, id: string, response: unknown): CallbackOutcome<unknown> {
    if (typeof response !== "object" || response === null || Array.isArray(response)) {
      return { ok: false, failure: "invalid" };
    }
    const r = response as Record<string, unknown>;
    if (r.jsonrpc !== "2.0" || r.id !== id || "error" in r || !("result" in r))
      return { ok: false, failure: "invalid" };
    const decoded = this.decoder(def)(r.result);
    return decoded.ok ? { ok: true, result: decoded.value } : { ok: false, failure: "invalid" };
  }

  /** A response frame from an app: true when it answered a pending callback of that socket. */
  answer(session: Session, id: unknown, frame: { result?: unknown; error?: WireError }): boolean {
    if (typeof id !== "string") return false;
    const p = this.pending.get(id);
    if (!p || p.session !== session) return false;
    if (frame.error !== undefined || !("result" in frame)) {
      p.settle({ ok: false, failure: "invalid" });
      return true;
    }
    const decoded = p.decode(frame.result);
    p.settle(decoded.ok ? { ok: true, result: decoded.value } : { ok: false, failure: "invalid" });
    return true;
  }

  /** A socket went away: its unanswered callbacks fail as unreachable. */
  dropSession(session: Session): void {
    for (const p of [...this.pending.values()]) {
      if (p.session === session) p.settle({ ok: false, failure: "app_unreachable" });
    }
  }

  /** Callbacks awaiting an answer, from every app or from one. */
  inFlight(appId?: string): number {
    return appId === undefined ? this.pending.size : (this.perApp.get(appId) ?? 0);
  }

  isConnected(appId: string): boolean {
    return this.sessions.count(appId) > 0;
  }

  private pick(appId: string): Session | undefined {
    const set = this.sessions.of(appId);
    if (!set || set.size === 0) return undefined;
    const live = [...set].filter((s) => !s.closed);
    if (live.length === 0) return undefined;
    return live[this.roundRobin++ % live.length];
  }

  private decoder(def: CallbackDef): Pending["decode"] {
    let d = this.decoders.get(def.name);
    if (!d) {
      d = strictDecoder(def.result);
      this.decoders.set(def.name, d);
    }
    return d;
  }
}
