import { ActionEvents, BuiltinActions } from "../../../protocol/index.ts";
import { newId, nowIso, type CircleRecord } from "../../../storage/index.ts";
import { conflict, forbidden, implementAction, notFound, requireUsers, type FamilyContext } from "./define.ts";

const circleOf = (ctx: FamilyContext, circleId: string): CircleRecord =>
  ctx.storage.actions.circles.get(circleId) ?? notFound(ctx.raise, "circle", circleId);

/** Acting on someone else's membership is the owner's right. */
const requireOwner = (ctx: FamilyContext, rec: CircleRecord, verb: string): void => {
  if (rec.circle.ownerUserId !== ctx.actor.userId) {
    forbidden(
      ctx.raise,
      "ownership_mismatch",
      `Only the circle's owner may ${verb} other users; omit userId to act for yourself.`,
    );
  }
};

export const circleActions = [
  implementAction(BuiltinActions.CircleCreate, {
    check: () => undefined,
    run: ({ storage, actor }, tx, p) => {
      const { circle } = storage.actions.circles.insert({
        id: newId("circle"),
        name: p.name,
        kind: p.kind,
        schedule: p.schedule,
        ownerUserId: actor.userId,
        at: nowIso(),
      });
      tx.event(ActionEvents.CircleCreated, [], { type: "circle", id: circle.id }, { circle });
      return { circleId: circle.id };
    },
  }),

  implementAction(BuiltinActions.CircleJoin, {
    check: (ctx, p) => {
      const rec = circleOf(ctx, p.circleId);
      const userId = p.userId ?? ctx.actor.userId;
      if (userId !== ctx.actor.userId) {
        requireOwner(ctx, rec, "add");
        requireUsers(ctx, [userId]);
      }
      if (ctx.storage.actions.circles.isMember(rec.pk, userId)) {
        conflict(ctx.raise, "already_member", `User ${userId} is already a member of this circle.`);
      }
      return { rec, userId };
    },
    run: ({ storage }, tx, _p, { rec, userId }) => {
      const circles = storage.actions.circles;
      circles.join(rec.pk, userId, nowIso());
      const { circle } = circles.byPk(rec.pk);
      tx.event(
        ActionEvents.CircleJoined,
        [...circles.members(rec.pk), circle.ownerUserId],
        { type: "circle", id: circle.id },
        { circle, userId },
      );
      return { circleId: circle.id, memberCount: circle.memberCount };
    },
  }),

  implementAction(BuiltinActions.CircleLeave, {
    check: (ctx, p) => {
      const rec = circleOf(ctx, p.circleId);
      const circles = ctx.storage.actions.circles;
      const userId = p.userId ?? ctx.actor.userId;
      if (userId === ctx.actor.userId) {
        if (!circles.isMember(rec.pk, userId)) {
          forbidden(ctx.raise, "membership_mismatch", "You are not a member of this circle.");
        }
      } else {
        requireOwner(ctx, rec, "remove");
        requireUsers(ctx, [userId]);
        if (!circles.isMember(rec.pk, userId)) {
          conflict(ctx.raise, "not_member", `User ${userId} is not a member of this circle.`);
        }
      }
      return { rec, userId };
    },
    run: ({ storage }, tx, _p, { rec, userId }) => {
      const circles = storage.actions.circles;
      const before = circles.members(rec.pk);
      circles.leave(rec.pk, userId);
      const { circle } = circles.byPk(rec.pk);
      tx.event(
        ActionEvents.CircleLeft,
        [...before, circle.ownerUserId],
        { type: "circle", id: circle.id },
        { circle, userId },
      );
      return { circleId: circle.id, memberCount: circle.memberCount };
    },
  }),
];
