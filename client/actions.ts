import {
  RpcError,
  type ActionContext,
  type BatchResult,
  type BuiltinActionId,
  type BuiltinParams,
  type BuiltinResult,
  type CatalogEntry,
  type Consent,
  type Grant,
  type Invoker,
} from "../protocol/index.ts";
import type { SwitchboardClient } from "./client.ts";
import type { ParamsInput, Result } from "./types.ts";

/** Who acts and how to repeat safely; see section 7.2 and 7.5. */
export interface InvokeOptions {
  /** The user an app acts for (required from apps). */
  readonly actorUserId?: string;
  /** Kept 24 h per (caller, key): a repeat returns the first result instead of running again. */
  readonly idempotencyKey?: string;
  /** The id from a ConfirmationRequired error, once the acting user approved it. */
  readonly confirmationId?: string;
  readonly context?: ActionContext;
}

type Params = Record<string, unknown>;
/** A built-in action's params and result are typed by its declaration; an app's are plain JSON. */
type ParamsFor<A extends string> = A extends BuiltinActionId ? NoInfer<BuiltinParams<A>> : Params;
type ResultFor<A extends string> = A extends BuiltinActionId ? BuiltinResult<A> : unknown;

/** What an app-served action's handler gets besides its params. */
export interface ActionCall {
  readonly action: string;
  readonly invoker: Invoker;
  readonly actorUserId?: string | undefined;
  readonly context?: ActionContext | undefined;
}

export type ActionHandler = (params: Params, call: ActionCall) => unknown;

const invokeParams = (action: string, params: Params, o: InvokeOptions = {}): ParamsInput<"actions/invoke"> => ({
  action,
  params,
  ...(o.actorUserId !== undefined ? { actorUserId: o.actorUserId } : {}),
  ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
  ...(o.confirmationId !== undefined ? { confirmationId: o.confirmationId } : {}),
  ...(o.context !== undefined ? { _context: o.context } : {}),
});

/** The ConfirmationRequired error's confirmationId, if that is what `error` is. */
export const confirmationIdOf = (error: unknown): string | undefined =>
  error instanceof RpcError && error.tag === "ConfirmationRequired"
    ? (error.data as { confirmationId: string }).confirmationId
    : undefined;

/**
 * Typed helpers for section 7 over a connected client: invoking (built-in
 * actions typed by their declarations), batches, confirmation, consent and
 * grants, diagnosis, event subscriptions, and, for apps, declaring and
 * serving their own actions.
 */
export class Actions {
  constructor(readonly client: SwitchboardClient) {}

  /** The catalog as this principal sees it. */
  async list(): Promise<ReadonlyArray<CatalogEntry>> {
    return (await this.client.call("actions/list", {})).actions;
  }

  /** Invoke an action; built-in ones are typed, app ones answer what their output schema says. */
  async invoke<A extends string>(action: A, params: ParamsFor<A>, options?: InvokeOptions): Promise<ResultFor<A>> {
    return (await this.client.call("actions/invoke", invokeParams(action, params as Params, options)))
      .result as ResultFor<A>;
  }

  /**
   * Invoke, and if the acting user must confirm first, wait for `approved`
   * (e.g. until the user answered actions/confirm) and repeat the call with
   * the confirmation, keeping the same idempotency key.
   */
  async invokeConfirmed<A extends string>(
    action: A,
    params: ParamsFor<A>,
    approved: (confirmationId: string) => Promise<void>,
    options: InvokeOptions = {},
  ): Promise<ResultFor<A>> {
    try {
      return await this.invoke(action, params, options);
    } catch (error) {
      const confirmationId = confirmationIdOf(error);
      if (confirmationId === undefined) throw error;
      await approved(confirmationId);
      return this.invoke(action, params, { ...options, confirmationId });
    }
  }

  /** 1 to 50 invocations, run in order, each on its own; results in the same order. */
  async batch(
    items: ReadonlyArray<{ action: string; params: Params; actorUserId?: string; idempotencyKey?: string }>,
  ): Promise<ReadonlyArray<BatchResult>> {
    return (await this.client.call("actions/batch", { actions: [...items] })).results;
  }

  /** As the acting user: approve or reject an action waiting for confirmation. */
  async confirm(confirmationId: string, approve: boolean): Promise<void> {
    await this.client.call("actions/confirm", { confirmationId, approve });
  }

  // Delegated authority (7.3).

  /** As an app: ask a user for capabilities under actions.invoke. */
  async requestConsent(userId: string, capabilities: string[], note?: string): Promise<Consent> {
    return (
      await this.client.call("consent/request", {
        userId,
        capabilities,
        scope: "actions.invoke",
        ...(note !== undefined ? { note } : {}),
      })
    ).consent;
  }

  /** As a user: the consent requests addressed to you. */
  consents(params: ParamsInput<"consent/list"> = {}): Promise<Result<"consent/list">> {
    return this.client.call("consent/list", params);
  }

  async approveConsent(consentId: string): Promise<Grant> {
    return (await this.client.call("consent/approve", { consentId })).grant;
  }

  async rejectConsent(consentId: string): Promise<Consent> {
    return (await this.client.call("consent/reject", { consentId })).consent;
  }

  grants(params: ParamsInput<"grants/list"> = {}): Promise<Result<"grants/list">> {
    return this.client.call("grants/list", params);
  }

  async revokeGrant(grantId: string): Promise<Grant> {
    return (await this.client.call("grants/revoke", { grantId })).grant;
  }

  /** As an app: which check an action would fail for a user, and why. */
  diagnose(params: ParamsInput<"auth/diagnose"> = {}): Promise<Result<"auth/diagnose">> {
    return this.client.call("auth/diagnose", params);
  }

  // The app side (7.1, 7.4, 7.7).

  /** Replace this app's declared actions; answers their catalog entries. */
  async declare(actions: ParamsInput<"app/manifest/update">["actions"]): Promise<ReadonlyArray<CatalogEntry>> {
    return (await this.client.call("app/manifest/update", { actions })).actions;
  }

  /**
   * Serve this app's actions: `handlers` by local id (`play`) or by
   * namespaced id (`myapp.play`). A thrown error answers the hub with an
   * error, which the invoker sees as ActionUnavailable.
   */
  serve(handlers: Readonly<Record<string, ActionHandler>>): () => void {
    return this.client.handle("action/execute", async (p) => {
      const local = p.action.slice(p.action.indexOf(".") + 1);
      const handler = handlers[p.action] ?? handlers[local];
      if (!handler) throw new Error(`this app serves no action ${p.action}`);
      return handler(p.params, {
        action: p.action,
        invoker: p.invoker,
        actorUserId: p.actorUserId,
        context: p.context,
      });
    });
  }

  /** Replace this app's event subscriptions (`intent.*`, `chat.message.sent`, `*`; [] for none). */
  async subscribe(events: string[]): Promise<ReadonlyArray<string>> {
    return (await this.client.call("events/subscribe", { events })).events;
  }
}

export const actionsOf = (client: SwitchboardClient): Actions => new Actions(client);

/** The answer of the HTTP form (7.8): its status and body. */
export interface HttpActionAnswer<T = unknown> {
  readonly status: number;
  readonly body:
    | { readonly success: true; readonly result: T }
    | { readonly success: false; readonly error: { code: number; message: string; data: Record<string, unknown> } };
}

/** `POST /api/actions/:actionId` with the bearer token and the optional headers of 7.8. */
export const invokeOverHttp = async (
  baseUrl: string,
  token: string,
  action: string,
  params: Params,
  options: InvokeOptions = {},
): Promise<HttpActionAnswer> => {
  const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${token}` };
  if (options.actorUserId !== undefined) headers["x-actor-user-id"] = options.actorUserId;
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
  if (options.confirmationId !== undefined) headers["x-confirmation-id"] = options.confirmationId;
  const body = options.context !== undefined ? { ...params, _context: options.context } : params;
  const res = await fetch(`${baseUrl}/api/actions/${encodeURIComponent(action)}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as HttpActionAnswer["body"] };
};
