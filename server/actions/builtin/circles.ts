import { ActionEvents, BuiltinActions } from "../../../protocol/index.ts";
import { newId, nowIso, type CircleRecord } from "../../../storage/index.ts";
import { conflict, forbidden, implementAction, notFound, requireUsers, type FamilyContext } from "./define.ts";

const circleOf = async (ctx: FamilyContext, circleId: string): Promise<CircleRecord> =>
  (await ctx.storage.actions.circles.get(circleId)) ?? notFound(ctx.raise, "circle", circleId);

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
    check: async () => undefined,
    run: async ({ storage, actor }, tx, p) => {
      const { circle } = await storage.actions.circles.insert({
        id: newId("circle"),
        name: p.name,
        kind: p.kind,
        schedule: p.schedule,
        ownerUserId: actor.userId,
        at: nowIso(),
      });
      await tx.event(ActionEvents.CircleCreated, [], { type: "circle", id: circle.id }, { circle });
      return { circleId: circle.id };
    },
  }),

  implementAction(BuiltinActions.CircleJoin, {
    check: async (ctx, p) => {
      const rec = await circleOf(ctx, p.circleId);
      const userId = p.userId ?? ctx.actor.userId;
      if (userId !== ctx.actor.userId) {
        requireOwner(ctx, rec, "add");
        await requireUsers(ctx, [userId]);
      }
      if (await ctx.storage.actions.circles.isMember(rec.pk, userId)) {
        conflict(ctx.raise, "already_member", `User ${userId} is already a member of this circle.`);
      }
      return { rec, userId };
    },
    run: async ({ storage }, tx, _p, { rec, userId }) => {
      const circles = storage.actions.circles;
      await circles.join(rec.pk, userId, nowIso());
      const { circle } = await circles.byPk(rec.pk);
      await tx.event(
        ActionEvents.CircleJoined,
        [...(await circles.members(rec.pk)), circle.ownerUserId],
        { type: "circle", id: circle.id },
        { circle, userId },
      );
      return { circleId: circle.id, memberCount: circle.memberCount };
    },
  }),

  implementAction(BuiltinActions.CircleLeave, {
    check: async (ctx, p) => {
      const rec = await circleOf(ctx, p.circleId);
      const circles = ctx.storage.actions.circles;
      const userId = p.userId ?? ctx.actor.userId;
      if (userId === ctx.actor.userId) {
        if (!(await circles.isMember(rec.pk, userId))) {
          forbidden(ctx.raise, "membership_mismatch", "You are not a member of this circle.");
        }
      } else {
        requireOwner(ctx, rec, "remove");
        await requireUsers(ctx, [userId]);
        if (!(await circles.isMember(rec.pk, userId))) {
          conflict(ctx.raise, "not_member", `User ${userId} is not a member of this circle.`);
        }
      }
      return { rec, userId };
    },
    run: async ({ storage }, tx, _p, { rec, userId }) => {
      const circles = storage.actions.circles;
      const before = await circles.members(rec.pk);
      await circles.leave(rec.pk, userId);
      const { circle } = await circles.byPk(rec.pk);
      await tx.event(
        ActionEvents.CircleLeft,
        [...before, circle.ownerUserId],
        { type: "circle", id: circle.id },
        { circle, userId },
      );
      return { circleId: circle.id, memberCount: circle.memberCount };
    },
  }),
];
