import type { Schema } from "effect";
import type { ErrorTag } from "./errors.ts";

/** Who may call a method: the four principal types, or a socket that has not authenticated yet. */
export type PrincipalType = "agent" | "app" | "user" | "admin";
export type Caller = PrincipalType | "anonymous";

/** Every wire schema decodes without services; `Encoded` is what travels as JSON. */
export type WireSchema = Schema.Schema<any, any, never>;

/**
 * One method of the protocol, declared once. The dispatcher, the client's
 * types, `rpc.discover` and the docs all derive from this declaration.
 */
export interface MethodDef<
  N extends string = string,
  P extends WireSchema = WireSchema,
  R extends WireSchema = WireSchema,
  E extends ErrorTag = ErrorTag,
  C extends Caller = Caller,
> {
  readonly name: N;
  readonly summary: string;
  readonly params: P;
  readonly result: R;
  /** Principal types that may call it; anyone else gets MethodNotFound. */
  readonly callers: ReadonlyArray<C>;
  /** Errors the handler may raise, besides those the dispatcher raises for every method. */
  readonly errors: ReadonlyArray<E>;
  /** Needs a live socket (notifications, callbacks): not served over POST /rpc. */
  readonly socketOnly?: boolean;
}

/** A notification the hub pushes. `logged` ones go through the event log and carry `cursor`. */
export interface NotificationDef<
  N extends string = string,
  P extends WireSchema = WireSchema,
  L extends boolean = boolean,
> {
  readonly name: N;
  readonly summary: string;
  readonly params: P;
  readonly logged: L;
}

/** A call the hub makes to an app, answered by an ordinary response frame. */
export interface CallbackDef<
  N extends string = string,
  P extends WireSchema = WireSchema,
  R extends WireSchema = WireSchema,
> {
  readonly name: N;
  readonly summary: string;
  readonly params: P;
  readonly result: R;
  readonly errors: ReadonlyArray<ErrorTag>;
}

export const defineMethod = <
  const N extends string,
  P extends WireSchema,
  R extends WireSchema,
  const E extends ErrorTag = never,
  const C extends Caller = never,
>(
  def: MethodDef<N, P, R, E, C>,
): MethodDef<N, P, R, E, C> => def;

export const defineNotification = <const N extends string, P extends WireSchema, const L extends boolean>(
  def: NotificationDef<N, P, L>,
): NotificationDef<N, P, L> => def;

export const defineCallback = <const N extends string, P extends WireSchema, R extends WireSchema>(
  def: CallbackDef<N, P, R>,
): CallbackDef<N, P, R> => def;

export type ParamsOf<M> = M extends MethodDef<any, infer P, any, any, any> ? Schema.Schema.Type<P> : never;
export type ParamsInputOf<M> = M extends MethodDef<any, infer P, any, any, any> ? Schema.Schema.Encoded<P> : never;
export type ResultOf<M> = M extends MethodDef<any, any, infer R, any, any> ? Schema.Schema.Type<R> : never;
export type ErrorsOf<M> = M extends MethodDef<any, any, any, infer E, any> ? E : never;
export type CallersOf<M> = M extends MethodDef<any, any, any, any, infer C> ? C : never;
