import type { Schema } from "effect";
import type { Actor, AnyBuiltinAction, Raise, UserId } from "../../../protocol/index.ts";
import type { Storage } from "../../../storage/index.ts";
import type { EventTx } from "../events.ts";

/** The errors a built-in action's own rules may raise (7.2 step 5, state checks, and params a schema cannot judge). */
export type FamilyError = "Forbidden" | "NotFound" | "UserNotFound" | "Conflict" | "InvalidParams";

export interface FamilyContext {
  readonly storage: Storage;
  /** Who acts: built-ins always act for a user. */
  readonly actor: Actor;
  readonly raise: Raise<FamilyError>;
}

/**
 * A built-in action's behaviour, registered against its declaration.
 * `check` is read-only (existence, then ownership or membership, then state)
 * and runs before a confirmation is asked for and again inside the write
 * transaction; `run` does the write and logs the event.
 */
export interface BuiltinBehaviour<D extends AnyBuiltinAction, L> {
  check(ctx: FamilyContext, params: Schema.Schema.Type<D["params"]>): Promise<L>;
  run(
    ctx: FamilyContext,
    tx: EventTx,
    params: Schema.Schema.Type<D["params"]>,
    loaded: L,
  ): Promise<Omit<Schema.Schema.Type<D["result"]>, "action" | "actorUserId">>;
}

export interface BuiltinImplementation {
  readonly def: AnyBuiltinAction;
  check(ctx: FamilyContext, params: unknown): Promise<unknown>;
  run(ctx: FamilyContext, tx: EventTx, params: unknown, loaded: unknown): Promise<Record<string, unknown>>;
}

/** Every result carries the action and the user it acted for (7.4). */
export const implementAction = <D extends AnyBuiltinAction, L>(
  def: D,
  behaviour: BuiltinBehaviour<D, L>,
): BuiltinImplementation => ({
  def,
  check: (ctx, params) => behaviour.check(ctx, params as never),
  run: async (ctx, tx, params, loaded) => ({
    action: def.id,
    actorUserId: ctx.actor.userId,
    ...((await behaviour.run(ctx, tx, params as never, loaded as L)) as object),
  }),
});

export const forbidden = (
  raise: Raise<"Forbidden">,
  reason: "ownership_mismatch" | "membership_mismatch",
  message: string,
): never => raise("Forbidden", { reason }, message);

export const conflict = (raise: Raise<"Conflict">, reason: string, message: string): never =>
  raise("Conflict", { reason }, message);

export const notFound = (raise: Raise<"NotFound">, what: string, id: string): never =>
  raise("NotFound", {}, `No ${what} has id ${id}; check the id.`);

/** Users that exist, else UserNotFound naming the others. */
export const requireUsers = async (ctx: FamilyContext, userIds: ReadonlyArray<string>): Promise<void> => {
  const missing: string[] = [];
  for (const id of userIds) if (!(await ctx.storage.users.get(id))) missing.push(id);
  if (missing.length > 0) ctx.raise("UserNotFound", {}, `No user has id ${missing.join(", ")}.`);
};

export const asUserId = (id: string): UserId => id as UserId;
