import { ActionEvents, BuiltinActions, type CoordinationRequest } from "../../../protocol/index.ts";
import { newId, nowIso } from "../../../storage/index.ts";
import { conflict, forbidden, implementAction, notFound, requireUsers, type FamilyContext } from "./define.ts";

/** A request addressed to the actor that still waits for an answer. */
const receivedPending = async (ctx: FamilyContext, requestId: string, verb: string): Promise<CoordinationRequest> => {
  const request = (await ctx.storage.actions.requests.get(requestId)) ?? notFound(ctx.raise, "request", requestId);
  if (request.recipientUserId !== ctx.actor.userId) {
    forbidden(ctx.raise, "ownership_mismatch", `Only the request's recipient may ${verb} it.`);
  }
  if (request.status !== "pending") {
    conflict(ctx.raise, "not_pending", `The request is ${request.status}; only a pending request can be answered.`);
  }
  return request;
};

const people = (r: CoordinationRequest) => [r.senderUserId, r.recipientUserId];

/** request.accept and request.reject: the recipient answers a pending request, and both users hear of it. */
const answerAction = (
  def: typeof BuiltinActions.RequestAccept | typeof BuiltinActions.RequestReject,
  verb: "accept" | "reject",
) =>
  implementAction(def, {
    check: (ctx, p) => receivedPending(ctx, p.requestId, verb),
    run: async (ctx, tx, _p, request) => {
      const answered =
        (await ctx.storage.actions.requests.answer(
          request.id,
          verb === "accept" ? "accepted" : "rejected",
          nowIso(),
        )) ?? conflict(ctx.raise, "not_pending", "The request was answered meanwhile.");
      await tx.event(
        verb === "accept" ? ActionEvents.RequestAccepted : ActionEvents.RequestRejected,
        people(answered),
        { type: "request", id: answered.id },
        { request: answered },
      );
      return { requestId: answered.id, status: answered.status };
    },
  });

export const requestActions = [
  implementAction(BuiltinActions.RequestSend, {
    check: async (ctx, p) => {
      const rec = (await ctx.storage.actions.userIntents.get(p.intentId)) ?? notFound(ctx.raise, "intent", p.intentId);
      if (rec.intent.ownerUserId !== ctx.actor.userId) {
        forbidden(ctx.raise, "ownership_mismatch", "Only the intent's owner may send requests for it.");
      }
      if (p.recipientUserId === ctx.actor.userId) {
        ctx.raise("InvalidParams", {
          issues: [
            { path: ["params", "recipientUserId"], message: "is the acting user; send the request to someone else" },
          ],
        });
      }
      await requireUsers(ctx, [p.recipientUserId]);
      if (rec.intent.status === "cancelled") {
        conflict(ctx.raise, "intent_cancelled", "The intent is cancelled; create a new intent to send requests.");
      }
      return rec;
    },
    run: async ({ storage, actor }, tx, p, rec) => {
      const request = await storage.actions.requests.insert({
        id: newId("request"),
        intentPk: rec.pk,
        senderUserId: actor.userId,
        recipientUserId: p.recipientUserId,
        note: p.note,
        at: nowIso(),
      });
      await tx.event(ActionEvents.RequestSent, people(request), { type: "request", id: request.id }, { request });
      return { requestId: request.id, status: request.status };
    },
  }),

  answerAction(BuiltinActions.RequestAccept, "accept"),
  answerAction(BuiltinActions.RequestReject, "reject"),
];
