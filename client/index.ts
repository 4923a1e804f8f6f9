export {
  connect,
  SwitchboardClient,
  ConnectionLost,
  type ConnectOptions,
  type ConnectionEvent,
  type ReconnectOptions,
} from "./client.ts";
export type * from "./types.ts";
export { RpcError, type ErrorTag } from "../protocol/index.ts";
export * from "./intents.ts";
export {
  Actions,
  actionsOf,
  confirmationIdOf,
  invokeOverHttp,
  type ActionCall,
  type ActionHandler,
  type HttpActionAnswer,
  type InvokeOptions,
} from "./actions.ts";
