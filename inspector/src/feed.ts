import type { FeedEntry } from "../../protocol/index.ts";
import type { HubSocket } from "./rpc.ts";

/** The newest entries kept in the tab; older ones scroll away. */
const KEEP = 2000;

export interface FeedFilter {
  agentId?: string;
  appId?: string;
  taskId?: string;
  conversationId?: string;
}

export const matches = (filter: FeedFilter, e: FeedEntry): boolean =>
  (!filter.agentId || e.agentId === filter.agentId) &&
  (!filter.appId || e.appId === filter.appId) &&
  (!filter.taskId || e.taskId === filter.taskId) &&
  (!filter.conversationId || e.conversationId === filter.conversationId);

/**
 * The live feed as the page keeps it: one admin/feed/subscribe for the whole
 * tab, the newest entries in memory, and views that filter them.
 */
export class FeedStore {
  entries: FeedEntry[] = [];
  private readonly listeners = new Set<(e: FeedEntry) => void>();

  constructor(socket: HubSocket) {
    socket.on("admin/feed/event", (params) => {
      const entry = params as unknown as FeedEntry;
      this.entries = this.entries.length >= KEEP ? [...this.entries.slice(1 - KEEP), entry] : [...this.entries, entry];
      for (const l of this.listeners) l(entry);
    });
  }

  listen(listener: (e: FeedEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
