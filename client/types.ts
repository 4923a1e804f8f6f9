import type { Schema } from "effect";
import type {
  CallbackName,
  CallbackNamed,
  MethodName,
  MethodNamed,
  NotificationName,
  NotificationParams,
} from "../protocol/index.ts";

/** What a method takes, as JSON (ids are plain strings). */
export type ParamsInput<N extends MethodName> = Schema.Schema.Encoded<MethodNamed<N>["params"]>;
/** What a method answers. */
export type Result<N extends MethodName> = Schema.Schema.Type<MethodNamed<N>["result"]>;
/** Methods whose params may be omitted take an optional argument. */
export type CallArgs<N extends MethodName> =
  {} extends ParamsInput<N> ? [params?: ParamsInput<N>] : [params: ParamsInput<N>];

export type NotificationHandler<N extends NotificationName> = (params: NotificationParams<N>) => void;

export type CallbackParams<N extends CallbackName> = Schema.Schema.Type<CallbackNamed<N>["params"]>;
export type CallbackResult<N extends CallbackName> = Schema.Schema.Encoded<CallbackNamed<N>["result"]>;
export type CallbackHandler<N extends CallbackName> = (
  params: CallbackParams<N>,
) => CallbackResult<N> | Promise<CallbackResult<N>>;

export type { MethodName, NotificationName, NotificationParams, CallbackName };
