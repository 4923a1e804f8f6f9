import { ActionEvents, BuiltinActions } from "../../../protocol/index.ts";
import { newId, nowIso, type UserIntentRecord } from "../../../storage/index.ts";
import { conflict, forbidden, implementAction, notFound, type FamilyContext } from "./define.ts";

/** An intent the actor owns and that is still active. */
const ownActiveIntent = async (ctx: FamilyContext, intentId: string, verb: string): Promise<UserIntentRecord> => {
  const rec = (await ctx.storage.actions.userIntents.get(intentId)) ?? notFound(ctx.raise, "intent", intentId);
  if (rec.intent.ownerUserId !== ctx.actor.userId) {
    forbidden(ctx.raise, "ownership_mismatch", `Only the intent's owner may ${verb} it; act for its owner instead.`);
  }
  if (rec.intent.status === "cancelled") {
    conflict(ctx.raise, "intent_cancelled", `The intent is cancelled; it cannot be ${verb}d. Create a new intent.`);
  }
  return rec;
};

export const intentActions = [
  implementAction(BuiltinActions.IntentCreate, {
    check: async () => undefined,
    run: async ({ storage, actor }, tx, p) => {
      const intents = storage.actions.userIntents;
      const same = await intents.findActiveSame(actor.userId, p.text, p.framing);
      if (same) return { intentId: same.intent.id, status: same.intent.status, unchanged: true };
      const rec = await intents.insert({
        id: newId("intent"),
        ownerUserId: actor.userId,
        text: p.text,
        framing: p.framing,
        at: nowIso(),
      });
      await tx.event(ActionEvents.IntentCreated, [], { type: "intent", id: rec.intent.id }, { intent: rec.intent });
      return { intentId: rec.intent.id, status: rec.intent.status, unchanged: false };
    },
  }),

  implementAction(BuiltinActions.IntentUpdate, {
    check: (ctx, p) => ownActiveIntent(ctx, p.intentId, "update"),
    run: async ({ storage }, tx, p, rec) => {
      const text = p.text ?? rec.intent.text;
      const framing = p.framing ?? rec.intent.framing;
      if (text === rec.intent.text && framing === rec.intent.framing) {
        return { intentId: rec.intent.id, status: rec.intent.status, unchanged: true };
      }
      const updated = await storage.actions.userIntents.update(rec.pk, text, framing, nowIso());
      await tx.event(ActionEvents.IntentUpdated, [], { type: "intent", id: rec.intent.id }, { intent: updated.intent });
      return { intentId: updated.intent.id, status: updated.intent.status, unchanged: false };
    },
  }),

  implementAction(BuiltinActions.IntentCancel, {
    check: (ctx, p) => ownActiveIntent(ctx, p.intentId, "cancel"),
    run: async ({ storage }, tx, _p, rec) => {
      const at = nowIso();
      const cancelled = await storage.actions.requests.cancelPendingOf(rec.pk, at);
      const intent = (await storage.actions.userIntents.cancel(rec.pk, at)).intent;
      await tx.event(
        ActionEvents.IntentCancelled,
        cancelled.map((r) => r.recipientUserId),
        { type: "intent", id: intent.id },
        { intent, cancelledRequestIds: cancelled.map((r) => r.id) },
      );
      return { intentId: intent.id, status: intent.status, cancelledRequestCount: cancelled.length };
    },
  }),
];
