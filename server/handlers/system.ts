import { Methods, buildOpenRpc } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";

export const systemHandlers = (hub: HubContext, openrpc: () => Record<string, unknown>) => [
  implement(Methods.SystemPing, () => ({ now: new Date().toISOString() })),
  implement(Methods.RpcDiscover, () => openrpc()),
];

/** The OpenRPC document, built once on first use. */
export const lazyOpenRpc = (version: string) => {
  let doc: Record<string, unknown> | undefined;
  return () => (doc ??= buildOpenRpc(version));
};
