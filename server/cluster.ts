import { callbacksByName, type CallbackDef } from "../protocol/index.ts";
import type { Cluster, ControlMessage } from "../storage/index.ts";
import type { AppCallbacks, CallbackOutcome } from "./callbacks.ts";
import type { Logger } from "./logger.ts";
import type { Sessions } from "./sessions.ts";

/** How long past the callback timeout a node waits for another node's answer before it gives up. */
const FORWARD_MARGIN_MS = 2000;

/**
 * One node's part in a hub of several (section 11). Presence: a node tells
 * the database when it holds a principal's first socket and when its last
 * one closes, and a change of cluster-wide status reaches every node's
 * watchers. Closes: a rotation or suspension closes the principal's sockets
 * on every node. Callbacks: an app's socket may be on another node; the call
 * is written for that node, which makes it and writes the answer back.
 * Control messages ring through LISTEN/NOTIFY; every poll interval each node
 * also looks for forwarded calls and answers, so a lost notification costs
 * delay, never a call.
 */
export class ClusterLink {
  private readonly waiting = new Map<string, (outcome: string | undefined) => void>();
  private taking = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly sessions: Sessions,
    private readonly callbacks: AppCallbacks,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { cluster, sessions, log } = this;
    const fail = (what: string) => (err: unknown) => log.warn({ err }, what);
    sessions.link = {
      opened: (id, type) => {
        cluster
          .join(id)
          .then((elsewhere) => {
            if (type === "agent" && !elsewhere)
              return cluster.publish({ t: "presence", agentId: id, status: "online" });
          })
          .catch(fail("could not record presence"));
      },
      closed: (id, type) => {
        cluster
          .leave(id)
          .then((elsewhere) => {
            if (type === "agent" && !elsewhere) {
              return cluster.publish({ t: "presence", agentId: id, status: "offline" });
            }
          })
          .catch(fail("could not record presence"));
      },
      close: (principal, code, reason) => {
        cluster.publish({ t: "close", principal, code, reason }).catch(fail("could not tell the other nodes"));
      },
      onlineElsewhere: (ids) => cluster.onlineElsewhere(ids),
    };
    this.callbacks.remote = (appId, def, params) => this.forward(appId, def, params);
    await cluster.start(
      (m) => this.onControl(m),
      () => this.tick(),
    );
  }

  async stop(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve(undefined);
    this.waiting.clear();
    await this.cluster.stop();
  }

  private onControl(m: ControlMessage): void {
    switch (m.t) {
      case "close":
        this.sessions.closeHere(m.principal, m.code, m.reason);
        return;
      case "presence":
        this.sessions.announce(m.agentId, m.status);
        return;
      case "call":
        if (m.to === this.cluster.nodeId) this.takeCalls();
        return;
      case "answer":
        if (m.to === this.cluster.nodeId) this.collect(m.id);
        return;
    }
  }

  private tick(): void {
    this.takeCalls();
    for (const id of this.waiting.keys()) this.collect(id);
  }

  /** A callback to an app with no socket here: to a node that has one, or app_unreachable. */
  private async forward(appId: string, def: CallbackDef, params: unknown): Promise<CallbackOutcome<unknown>> {
    const node = await this.cluster.nodeOf(appId);
    if (!node) return { ok: false, failure: "app_unreachable" };
    const id = await this.cluster.ask(node, { appId, method: def.name, params: JSON.stringify(params) });
    const answered = new Promise<string | undefined>((resolve) => this.waiting.set(id, resolve));
    await this.cluster.publish({ t: "call", id, to: node });
    const timer = setTimeout(() => this.settle(id, undefined), this.timeoutMs + FORWARD_MARGIN_MS);
    const outcome = await answered;
    clearTimeout(timer);
    if (outcome === undefined) {
      await this.cluster.forget(id).catch(() => undefined);
      return { ok: false, failure: "timeout" };
    }
    return JSON.parse(outcome) as CallbackOutcome<unknown>;
  }

  private settle(id: string, outcome: string | undefined): void {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    resolve(outcome);
  }

  private collect(id: string): void {
    if (!this.waiting.has(id)) return;
    this.cluster
      .outcomeOf(id)
      .then((outcome) => {
        if (outcome !== undefined) this.settle(id, outcome);
      })
      .catch((err: unknown) => this.log.warn({ err }, "could not read a forwarded callback's answer"));
  }

  /** Make the calls other nodes asked of this one, on this node's sockets, and write the answers back. */
  private takeCalls(): void {
    if (this.taking) return;
    this.taking = true;
    this.cluster
      .take()
      .then((calls) =>
        Promise.all(
          calls.map(async (call) => {
            const def = callbacksByName.get(call.method);
            // Only on a socket here: a call forwarded again could go round between nodes.
            const outcome: CallbackOutcome<unknown> = !def
              ? { ok: false, failure: "invalid" }
              : this.callbacks.isConnected(call.appId)
                ? await this.callbacks.call(call.appId, def, JSON.parse(call.params) as never)
                : { ok: false, failure: "app_unreachable" };
            const asker = await this.cluster.answer(call.id, JSON.stringify(outcome));
            if (asker) await this.cluster.publish({ t: "answer", id: call.id, to: asker });
          }),
        ),
      )
      .catch((err: unknown) => this.log.warn({ err }, "could not make a forwarded callback"))
      .finally(() => {
        this.taking = false;
      });
  }
}
