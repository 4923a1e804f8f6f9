import type { CallersOf, Caller, ErrorsOf, MethodDef, ParamsOf, Raise, ResultOf } from "../protocol/index.ts";
import type { Session } from "./session.ts";
import type { AuthedPrincipal } from "./tokens.ts";

/**
 * A result already serialised to JSON, for answers that do not change from
 * call to call (the OpenRPC document): the dispatcher splices the text in
 * instead of serialising the value again.
 */
export class Serialized {
  constructor(readonly json: string) {}
}

/** The principal a handler sees: narrowed to the caller types its method admits. */
export type CallerPrincipal<C extends Caller> = C extends "anonymous"
  ? { readonly type: "anonymous" }
  : Extract<AuthedPrincipal, { type: C }>;

/** What a handler gets besides its decoded params. */
export interface Call<M extends MethodDef<any, any, any, any, any>> {
  readonly principal: CallerPrincipal<CallersOf<M>>;
  /** The socket the call came on; absent over POST /rpc. */
  readonly session: Session | undefined;
  /** Raise one of the method's declared errors (or InvalidParams, for checks a schema cannot express). */
  readonly raise: Raise<ErrorsOf<M> | "InvalidParams">;
  /** Run once the response has been written (auth/connect starts its replay there). */
  afterResponse(fn: () => void): void;
}

export type Handler<M extends MethodDef<any, any, any, any, any>> = (
  params: ParamsOf<M>,
  call: Call<M>,
) => ResultOf<M> | Promise<ResultOf<M>>;

/** A handler registered against its declaration; the dispatcher's table is a list of these. */
export interface Implementation {
  readonly def: MethodDef<string, any, any, any, any>;
  readonly handle: Handler<any>;
}

export const implement = <M extends MethodDef<any, any, any, any, any>>(
  def: M,
  handle: Handler<M>,
): Implementation => ({
  def,
  handle: handle as Handler<any>,
});
