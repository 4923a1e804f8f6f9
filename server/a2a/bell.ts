import type { Emitted } from "../committer.ts";

/**
 * The A2A edge's doorbell. A stream or a waiting SendMessage listens under
 * its a2a-client's id; every committed event addressed to that client (an
 * agent's message/received, task/closed) rings it, and so does the edge
 * after committing the caller's own messages. A ring says only "look again":
 * listeners read what is new from the durable conversation, so a missed or
 * extra ring costs nothing but a read.
 */
export class A2aBell {
  private readonly listeners = new Map<string, Set<() => void>>();

  listen(clientId: string, fn: () => void): () => void {
    let set = this.listeners.get(clientId);
    if (!set) {
      set = new Set();
      this.listeners.set(clientId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.listeners.get(clientId) === set) this.listeners.delete(clientId);
    };
  }

  ring(clientId: string): void {
    const set = this.listeners.get(clientId);
    if (!set) return;
    for (const fn of [...set]) fn();
  }

  /** After each commit: ring the clients that events were addressed to (a map lookup per recipient). */
  readonly onCommitted = (events: ReadonlyArray<Emitted>): void => {
    if (this.listeners.size === 0) return;
    const rung = new Set<string>();
    for (const e of events) {
      for (const r of e.recipients) if (this.listeners.has(r)) rung.add(r);
    }
    for (const r of rung) this.ring(r);
  };
}
