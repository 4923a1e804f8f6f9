import { Methods, buildOpenRpc } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement, Serialized } from "../rpc.ts";

export type OpenRpcText = () => Serialized;

export const systemHandlers = (_hub: HubContext, openrpc: OpenRpcText) => [
  implement(Methods.SystemPing, () => ({ now: new Date().toISOString() })),
  // The dispatcher writes a Serialized result's text as is; the type is the document's.
  implement(Methods.RpcDiscover, () => openrpc() as unknown as Record<string, unknown>),
];

/** The OpenRPC document, built and serialised once on first use: rpc.discover and GET /openrpc.json share the text. */
export const lazyOpenRpc = (version: string): OpenRpcText => {
  let doc: Serialized | undefined;
  return () => (doc ??= new Serialized(JSON.stringify(buildOpenRpc(version))));
};
