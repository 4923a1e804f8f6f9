import { ActionMethods, isRpcError, rpcError, type BatchResult } from "../../protocol/index.ts";
import { nowIso } from "../../storage/index.ts";
import { appEntry } from "../actions/catalog.ts";
import { checkActionNamespace } from "../actions/manifest.ts";
import { createPipeline, type Invoker, type InvokeRequest } from "../actions/pipeline.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";

const EVENTS_SUBSCRIBE_SCOPE = "events.subscribe";

/** Section 7: the catalog, invocation, confirmation, batches, app declarations and event subscriptions. */
export const actionHandlers = (hub: HubContext) => {
  const { storage } = hub;
  const pipeline = createPipeline(hub);

  const settle = async (invoker: Invoker, request: InvokeRequest): Promise<BatchResult> => {
    try {
      return { success: true, result: await pipeline.invoke(invoker, request) };
    } catch (error) {
      if (isRpcError(error)) return { success: false, error: error.toWire() };
      hub.log.error({ err: error, action: request.action }, "batch item failed");
      return { success: false, error: rpcError("Internal").toWire() };
    }
  };

  return [
    implement(ActionMethods.ActionsList, async (_p, { principal }) => ({
      actions: await pipeline.catalog.list(principal.type),
    })),

    implement(ActionMethods.ActionsInvoke, async (p, { principal }) => ({
      result: await pipeline.invoke(principal, {
        action: p.action,
        params: p.params,
        actorUserId: p.actorUserId,
        idempotencyKey: p.idempotencyKey,
        confirmationId: p.confirmationId,
        context: p._context,
      }),
    })),

    // Items run one after the other, so a later item sees what an earlier one did.
    implement(ActionMethods.ActionsBatch, async (p, { principal }) => {
      const results: BatchResult[] = [];
      for (const item of p.actions) results.push(await settle(principal, item));
      return { results };
    }),

    implement(ActionMethods.ActionsConfirm, (p, { principal, raise }) =>
      hub.commit(async () => {
        const confirmations = storage.actions.confirmations;
        const c =
          (await confirmations.get(p.confirmationId)) ??
          raise(
            "NotFound",
            {},
            "No confirmation has that id; use the confirmationId of action/confirmation-requested.",
          );
        if (c.actorUserId !== principal.id) {
          raise("Forbidden", { reason: "not_owner" }, "Only the user the action would act for may confirm it.");
        }
        if (c.status !== "pending") {
          raise(
            "Conflict",
            { reason: "not_pending" },
            `This confirmation was already answered (${c.status === "used" ? "approved and used" : c.status}).`,
          );
        }
        if (c.expiresAtMs <= Date.now()) {
          raise(
            "Conflict",
            { reason: "expired" },
            "This confirmation expired; the invoker must call the action again for a new one.",
          );
        }
        await confirmations.answer(c.id, p.approve ? "approved" : "rejected", nowIso());
        return {};
      }),
    ),

    implement(ActionMethods.AppManifestUpdate, (p, { principal, raise }) =>
      hub.commit(async () => {
        const rec = (await storage.apps.get(principal.id))!;
        checkActionNamespace(rec.app.name, p.actions, raise);
        await storage.apps.setManifest(rec.app.id, { ...rec.manifest, actions: p.actions });
        return { actions: p.actions.map((d) => appEntry(rec.app.id, rec.app.name, d)) };
      }),
    ),

    implement(ActionMethods.EventsSubscribe, async (p, { principal, raise }) => {
      const app = (await storage.apps.get(principal.id))!.app;
      if (!app.scopes.includes(EVENTS_SUBSCRIBE_SCOPE)) {
        return raise(
          "ScopeMissing",
          { scope: EVENTS_SUBSCRIBE_SCOPE },
          `The app lacks the scope ${EVENTS_SUBSCRIBE_SCOPE}; an admin must create it with that scope.`,
        );
      }
      const events = [...new Set(p.events)];
      await hub.commit(async () => storage.actions.subscriptions.set(app.id, events, nowIso()));
      return { events };
    }),
  ];
};
