import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { FeedStore } from "./feed.ts";
import type { HubSocket } from "./rpc.ts";

export interface Hub {
  readonly socket: HubSocket;
  readonly feed: FeedStore;
}

export const HubContext = createContext<Hub | null>(null);

export const useHub = (): Hub => {
  const hub = useContext(HubContext);
  if (!hub) throw new Error("useHub outside a signed-in page");
  return hub;
};
