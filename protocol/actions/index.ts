export * from "./ids.ts";
export * from "./catalog.ts";
export * from "./json-schema.ts";
export * from "./shapes.ts";
export {
  builtinActions,
  type BuiltinActionDef,
  type AnyBuiltinAction,
  type BuiltinActionId,
  type BuiltinActionNamed,
  type BuiltinParams,
  type BuiltinResult,
} from "./builtin.ts";
export {
  eventDefs as actionEventDefs,
  actionEventNames,
  matchesEvent,
  EventPattern,
  type ActionEventDef,
  type ActionEventName,
} from "./events.ts";
export { BatchResult, WireErrorObject, invocationErrors } from "./methods.ts";
export * as BuiltinActions from "./builtin.ts";
export * as ActionMethods from "./methods.ts";
export * as AuthorityMethods from "./authority.ts";
export * as ActionEvents from "./events.ts";
export * as ActionNotifications from "./notifications.ts";
export * as ActionCallbacks from "./callbacks.ts";
