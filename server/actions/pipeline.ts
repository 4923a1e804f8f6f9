import {
  ActionCallbacks,
  ActionNotifications,
  prefixIssues,
  raise as raiseAny,
  validateJson,
  visibleTo,
  type ActionContext,
  type Actor,
  type AgentId,
  type AppId,
  type ConfirmationId,
  type Permission,
  type Raise,
  type UserId,
  type invocationErrors,
} from "../../protocol/index.ts";
import { newId, nowIso } from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import type { AuthedPrincipal } from "../tokens.ts";
import { appAuthority } from "./authority.ts";
import { builtinBehaviours, type FamilyContext } from "./builtin/index.ts";
import { createCatalog, type ResolvedAction } from "./catalog.ts";
import { eventTx } from "./events.ts";
import { fingerprint } from "./fingerprint.ts";

export type Invoker = Extract<AuthedPrincipal, { type: "agent" | "app" | "user" }>;
export type InvokeError = (typeof invocationErrors)[number] | "InvalidParams";

/** One invocation, from actions/invoke, an actions/batch item, or the HTTP form. */
export interface InvokeRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly actorUserId?: string | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly confirmationId?: string | undefined;
  readonly context?: ActionContext | undefined;
}

/** An invocation that passed the checks every repeat must pass again (7.2 steps 1 to 4). */
interface Authorized {
  readonly invoker: Invoker;
  readonly action: ResolvedAction;
  readonly params: Readonly<Record<string, unknown>>;
  readonly permission: Permission;
  readonly actor: Actor | undefined;
  readonly fingerprint: string;
  readonly request: InvokeRequest;
}

const raise: Raise<InvokeError> = raiseAny;

const ACTION_UNAVAILABLE = {
  timeout: "The app that serves this action did not answer in time; retry later.",
  app_unreachable: "The app that serves this action is not connected; retry once it is.",
  invalid: "The app that serves this action answered with an error.",
} as const;

/**
 * The invocation pipeline of section 7.2, one path for every entry point:
 * visibility, params, permission, the app's authority, idempotency, the
 * resource's own rules, confirmation, then the write with its event in one
 * transaction. Checks that decide the write run again inside that
 * transaction, so a revocation or a racing call that commits first wins.
 */
export const createPipeline = (hub: HubContext) => {
  const { storage, config } = hub;
  const catalog = createCatalog(storage);
  const inflight = new Map<string, Promise<unknown>>();

  const authorize = async (invoker: Invoker, request: InvokeRequest): Promise<Authorized> => {
    const action = await catalog.resolve(request.action);
    if (!action || !visibleTo(action.entry.metadata, invoker.type)) {
      return raise(
        "ActionNotFound",
        {},
        `No action ${JSON.stringify(request.action)} is visible to you; actions/list shows the catalog.`,
      );
    }
    const entry = action.entry;
    const decoded = action.decode(request.params);
    if (!decoded.ok) return raise("InvalidParams", { issues: prefixIssues(["params"], decoded.issues) });
    if (invoker.type === "app" && request.actorUserId === undefined) {
      return raise("InvalidParams", {
        issues: [{ path: ["actorUserId"], message: "is required: an app always acts for a user" }],
      });
    }

    const permission = invoker.type === "agent" ? entry.permissions.agent : entry.permissions.user;
    if (permission === "forbidden") {
      return raise(
        "ActionForbidden",
        { reason: "permission_forbidden" },
        `${entry.id} is forbidden for ${invoker.type === "agent" ? "agents" : "users and the apps acting for them"}.`,
      );
    }
    const actor = await actorOf(invoker, request, entry.side_effects);

    if (invoker.type === "app") {
      const app = (await storage.apps.get(invoker.id))!.app;
      const failure = await appAuthority(storage, app, entry.capability, actor?.userId);
      if (failure) return raise(failure.tag, failure.data as never, failure.message);
    }
    return {
      invoker,
      action,
      params: decoded.value,
      permission,
      actor,
      fingerprint: fingerprint(entry.id, request.params, actor?.userId),
      request,
    };
  };

  /** Who acts (7.2): an app for actorUserId, a user for itself, an agent for its owner. */
  const actorOf = async (invoker: Invoker, request: InvokeRequest, sideEffects: string): Promise<Actor | undefined> => {
    if (invoker.type === "app") return { userId: request.actorUserId as UserId, appId: invoker.id };
    let self: Actor | undefined;
    if (invoker.type === "user") self = { userId: invoker.id };
    else {
      const owner = (await storage.agents.get(invoker.id))?.ownerUserId;
      if (owner === undefined && sideEffects !== "none") {
        return raise(
          "ActionForbidden",
          { reason: "agent_has_no_owner" },
          "An agent without an owner may only invoke actions whose side effects are none; an admin can create the agent with ownerUserId.",
        );
      }
      self = owner === undefined ? undefined : { userId: owner, agentId: invoker.id as AgentId };
    }
    if (request.actorUserId !== undefined && request.actorUserId !== self?.userId) {
      return raise(
        "Forbidden",
        { reason: "actor_mismatch" },
        invoker.type === "user"
          ? "A user acts only for themselves; omit actorUserId or pass your own id."
          : "An agent acts only for its owner; omit actorUserId or pass the owner's id.",
      );
    }
    return self;
  };

  const family = (actor: Actor): FamilyContext => ({ storage, actor, raise });

  const storeResult = async (a: Authorized, result: unknown): Promise<void> => {
    const key = a.request.idempotencyKey;
    if (key === undefined) return;
    await storage.actions.idempotency.put(
      a.invoker.id,
      key,
      {
        action: a.action.entry.id,
        actorUserId: a.actor?.userId,
        fingerprint: a.fingerprint,
        response: JSON.stringify(result),
      },
      Date.now(),
      config.idempotencyTtl,
    );
  };

  /** The stored response of an earlier call with the same key, or IdempotencyConflict when it was another call. */
  const replayed = async (a: Authorized): Promise<{ readonly result: unknown } | undefined> => {
    const key = a.request.idempotencyKey;
    if (key === undefined) return undefined;
    const stored = await storage.actions.idempotency.get(a.invoker.id, key, Date.now());
    if (!stored) return undefined;
    if (stored.fingerprint !== a.fingerprint) {
      return raise(
        "IdempotencyConflict",
        {},
        `The idempotency key ${JSON.stringify(key)} was used with ${stored.action === a.action.entry.id ? "other params or another acting user" : `the action ${stored.action}`}; use a new key for a new call.`,
      );
    }
    return { result: JSON.parse(stored.response) as unknown };
  };

  /** 7.2 step 6: a confirmation good for this invoker, action, params and actor, or ConfirmationRequired. */
  const confirmed = async (a: Authorized): Promise<string | undefined> => {
    if (a.permission !== "confirmation_required") return undefined;
    const actor = a.actor!;
    const now = Date.now();
    const id = a.request.confirmationId;
    const c = id === undefined ? undefined : await storage.actions.confirmations.get(id);
    const bound =
      c !== undefined &&
      c.invokerType === a.invoker.type &&
      c.invokerId === a.invoker.id &&
      c.fingerprint === a.fingerprint &&
      c.expiresAtMs > now;
    if (bound && c.status === "approved") return c.id;
    if (bound && c.status === "rejected") {
      return raise("Forbidden", { reason: "confirmation_rejected" }, `User ${actor.userId} rejected this action.`);
    }
    if (bound && c.status === "pending") {
      return raise(
        "ConfirmationRequired",
        { confirmationId: c.id },
        `Still waiting for user ${actor.userId} to answer with actions/confirm; repeat the call with this confirmationId once they approve.`,
      );
    }
    const confirmationId = newId("confirmation") as ConfirmationId;
    const expiresAtMs = now + config.confirmationTtl;
    await hub.commit(async (tx) => {
      await storage.actions.confirmations.insert({
        id: confirmationId,
        invokerType: a.invoker.type,
        invokerId: a.invoker.id,
        actorUserId: actor.userId,
        action: a.action.entry.id,
        params: JSON.stringify(a.request.params),
        fingerprint: a.fingerprint,
        createdAt: nowIso(),
        expiresAtMs,
      });
      tx.emit(ActionNotifications.ActionConfirmationRequested, [actor.userId], {
        confirmationId,
        action: a.action.entry.id,
        params: a.request.params,
        invoker: { type: a.invoker.type, id: a.invoker.id },
        expiresAt: new Date(expiresAtMs).toISOString(),
      });
    });
    return raise(
      "ConfirmationRequired",
      { confirmationId },
      `User ${actor.userId} must approve this with actions/confirm; then repeat the call with this confirmationId (valid once, for these params, until ${new Date(expiresAtMs).toISOString()}).`,
    );
  };

  /** Spend the confirmation inside the write transaction; it may have been spent by a racing call. */
  const spend = async (confirmationId: string | undefined): Promise<void> => {
    if (confirmationId === undefined) return;
    if (!(await storage.actions.confirmations.use(confirmationId, nowIso(), Date.now()))) {
      raise(
        "ConfirmationRequired",
        { confirmationId },
        "This confirmation was used or expired meanwhile; repeat the call without confirmationId for a new one.",
      );
    }
  };

  /** The write of a built-in action: every deciding check again, then the change and its event, in one transaction. */
  const runBuiltin = (a: Authorized, confirmationId: string | undefined): Promise<unknown> => {
    const behaviour = builtinBehaviours.get(a.action.entry.id)!;
    const actor = a.actor!;
    return hub.commit(async (tx) => {
      if (a.invoker.type === "app") {
        const app = (await storage.apps.get(a.invoker.id))!.app;
        const failure = await appAuthority(storage, app, a.action.entry.capability, actor.userId);
        if (failure) return raise(failure.tag, failure.data as never, failure.message);
      }
      const earlier = await replayed(a);
      if (earlier) return earlier.result;
      await spend(confirmationId);
      const ctx = family(actor);
      const loaded = await behaviour.check(ctx, a.params);
      const result = await behaviour.run(ctx, eventTx(storage, tx, actor), a.params, loaded);
      await storeResult(a, result);
      return result;
    });
  };

  /** 7.7: the app that declared the action runs it; its answer must match the declared output schema. */
  const runAppServed = async (a: Authorized, appId: AppId, confirmationId: string | undefined): Promise<unknown> => {
    const source = a.action.source;
    if (source.kind !== "app") throw new Error("not an app-served action");
    if (confirmationId !== undefined) await hub.commit(async () => spend(confirmationId));
    const outcome = await hub.callbacks.call(appId, ActionCallbacks.ActionExecuteCallback, {
      action: a.action.entry.id,
      params: a.params,
      invoker: { type: a.invoker.type, id: a.invoker.id },
      ...(a.actor !== undefined ? { actorUserId: a.actor.userId } : {}),
      ...(a.request.context !== undefined ? { context: a.request.context } : {}),
    });
    if (!outcome.ok) {
      // Not connected: the action certainly did not run, so the user's confirmation still stands.
      if (outcome.failure === "app_unreachable" && confirmationId !== undefined) {
        await hub.commit(async () => storage.actions.confirmations.restore(confirmationId));
      }
      const reason = outcome.failure === "invalid" ? "app_error" : outcome.failure;
      return raise("ActionUnavailable", { reason }, ACTION_UNAVAILABLE[outcome.failure]);
    }
    const issues = validateJson(source.output, outcome.result, { closedObjects: false });
    if (issues.length > 0) {
      hub.log.warn(
        { action: a.action.entry.id, appId, issues },
        "app-served action answered outside its output schema",
      );
      return raise(
        "ActionUnavailable",
        { reason: "invalid_output" },
        "The app that serves this action answered with a result that does not match its declared output schema.",
      );
    }
    if (a.request.idempotencyKey !== undefined) await hub.commit(async () => storeResult(a, outcome.result));
    return outcome.result;
  };

  /** Steps 5 to 7, once idempotency has said this call is new. */
  const execute = async (a: Authorized): Promise<unknown> => {
    const source = a.action.source;
    if (source.kind === "builtin") {
      await builtinBehaviours.get(a.action.entry.id)!.check(family(a.actor!), a.params);
    }
    const confirmationId = await confirmed(a);
    return source.kind === "builtin" ? runBuiltin(a, confirmationId) : runAppServed(a, source.appId, confirmationId);
  };

  return {
    catalog,

    /** Run one invocation; resolves with the action's result or throws the protocol error of the failing check. */
    async invoke(invoker: Invoker, request: InvokeRequest): Promise<unknown> {
      const a = await authorize(invoker, request);
      const line = { action: a.action.entry.id, invoker: { type: invoker.type, id: invoker.id } };
      // _context is for debugging (7.2): logged where an operator sees it, never required.
      if (request.context !== undefined) hub.log.info({ ...line, context: request.context }, "action invoked");
      else hub.log.debug(line, "action invoked");
      const key = request.idempotencyKey;
      if (key === undefined) return execute(a);
      // One call per (principal, key) at a time: a repeat waits for the first, then finds its stored result.
      const slot = `${invoker.id}\u0000${key}`;
      for (let running = inflight.get(slot); running; running = inflight.get(slot)) {
        await running.catch(() => undefined);
      }
      // The slot is taken before the first await, so a repeat arriving meanwhile waits for this one.
      const run = (async () => {
        const earlier = await replayed(a);
        if (earlier) return earlier.result;
        return execute(a);
      })();
      inflight.set(slot, run);
      try {
        return await run;
      } finally {
        if (inflight.get(slot) === run) inflight.delete(slot);
      }
    },
  };
};
export type Pipeline = ReturnType<typeof createPipeline>;
