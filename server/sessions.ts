import type { Session } from "./session.ts";
import type { AuthedPrincipal } from "./tokens.ts";

const presenceFrame = (agentId: string, status: "online" | "offline") =>
  JSON.stringify({ jsonrpc: "2.0", method: "presence/changed", params: { agentId, status } });

/**
 * The live sockets, by principal, and presence: an agent is online while it
 * has at least one authenticated socket. Presence is not logged; it goes only
 * to the sockets subscribed to the agent, once per real change.
 */
export class Sessions {
  private readonly all = new Set<Session>();
  private readonly byPrincipal = new Map<string, Set<Session>>();
  private readonly watchers = new Map<string, Set<Session>>();

  private authed = 0;

  get size(): number {
    return this.all.size;
  }

  /** Sockets open but not (yet) authenticated. */
  get unauthenticated(): number {
    return this.all.size - this.authed;
  }

  add(session: Session): void {
    this.all.add(session);
  }

  /** Register an authenticated socket under its principal. */
  authenticate(session: Session, principal: AuthedPrincipal): void {
    // A socket closed meanwhile (auth timeout) is in no index and must not enter one: nothing would remove it.
    if (session.closed || !this.all.has(session)) return;
    session.principal = principal;
    let set = this.byPrincipal.get(principal.id);
    if (!set) {
      set = new Set();
      this.byPrincipal.set(principal.id, set);
    }
    set.add(session);
    this.authed++;
    if (principal.type === "agent" && set.size === 1) this.announce(principal.id, "online");
  }

  remove(session: Session): void {
    if (!this.all.delete(session)) return;
    this.watch(session, []);
    const principal = session.principal;
    if (!principal) return;
    const set = this.byPrincipal.get(principal.id);
    if (!set?.delete(session)) return;
    this.authed--;
    if (set.size === 0) {
      this.byPrincipal.delete(principal.id);
      if (principal.type === "agent") this.announce(principal.id, "offline");
    }
  }

  /** The principal's authenticated sockets. */
  of(principalId: string): ReadonlySet<Session> | undefined {
    return this.byPrincipal.get(principalId);
  }

  count(principalId: string): number {
    return this.byPrincipal.get(principalId)?.size ?? 0;
  }

  isOnline(agentId: string): boolean {
    return this.byPrincipal.has(agentId);
  }

  /** Replace a socket's presence subscriptions. */
  watch(session: Session, agentIds: ReadonlyArray<string>): void {
    if (session.closed && agentIds.length > 0) return;
    for (const id of session.presence) {
      const set = this.watchers.get(id);
      set?.delete(session);
      if (set?.size === 0) this.watchers.delete(id);
    }
    session.presence = new Set(agentIds);
    for (const id of session.presence) {
      let set = this.watchers.get(id);
      if (!set) {
        set = new Set();
        this.watchers.set(id, set);
      }
      set.add(session);
    }
  }

  /** Close every socket of a principal (rotation, suspension). */
  closePrincipal(principalId: string, code: number, reason: string): void {
    for (const s of [...(this.byPrincipal.get(principalId) ?? [])]) s.close(code, reason);
  }

  each(): IterableIterator<Session> {
    return this.all.values();
  }

  private announce(agentId: string, status: "online" | "offline"): void {
    const set = this.watchers.get(agentId);
    if (!set) return;
    const frame = presenceFrame(agentId, status);
    for (const s of set) s.send(frame);
  }
}
