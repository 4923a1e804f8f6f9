/**
 * What the nodes of one hub on PostgreSQL tell each other besides the data:
 * which node holds sockets of which principal, short control messages, and
 * callbacks to an app whose socket is on another node. The embedded SQLite
 * file has one hub and no cluster (`storage.cluster` is undefined).
 *
 * Contract: control messages are a doorbell and may be lost (a node that
 * misses one learns the same from a poll or from the database on the next
 * call); nothing that must not be lost travels only as a control message.
 */
export type ControlMessage =
  /** Close this principal's sockets: its token was rotated or it was suspended. */
  | { readonly t: "close"; readonly principal: string; readonly code: number; readonly reason: string }
  /** An agent came online or went offline cluster-wide. */
  | { readonly t: "presence"; readonly agentId: string; readonly status: "online" | "offline" }
  /** A callback waits for node `to`, or its answer waits for node `to`. */
  | { readonly t: "call" | "answer"; readonly id: string; readonly to: string };

/** A callback asked by another node, to make on one of this node's sockets. */
export interface ForwardedCall {
  readonly id: string;
  readonly appId: string;
  readonly method: string;
  /** The callback's params as JSON. */
  readonly params: string;
}

export interface Cluster {
  readonly nodeId: string;
  /** Announce this node, listen for control messages, and call `onTick` every poll interval. */
  start(onControl: (m: ControlMessage) => void, onTick: () => void): Promise<void>;
  /** Leave: this node's presence rows and its node row go. */
  stop(): Promise<void>;
  publish(m: ControlMessage): Promise<void>;
  /** This node now holds a socket of the principal; resolves whether another live node already did. */
  join(principal: string): Promise<boolean>;
  /** This node holds no socket of the principal any more; resolves whether another live node still does. */
  leave(principal: string): Promise<boolean>;
  /** Of these principals, those with a socket on another live node. */
  onlineElsewhere(principals: ReadonlyArray<string>): Promise<Set<string>>;
  /** A live node other than this one that holds a socket of the principal. */
  nodeOf(principal: string): Promise<string | undefined>;
  /** Ask node `to` to make a callback; resolves with its id. */
  ask(to: string, call: Omit<ForwardedCall, "id">): Promise<string>;
  /** Calls asked of this node and not yet taken; taking them marks them running. */
  take(): Promise<ForwardedCall[]>;
  /** Write a call's outcome (JSON); resolves with the node that asked, if the call is still there. */
  answer(id: string, outcome: string): Promise<string | undefined>;
  /** The outcome of a call this node asked, once answered (the row is then removed). */
  outcomeOf(id: string): Promise<string | undefined>;
  /** Drop a call this node asked (it timed out). */
  forget(id: string): Promise<void>;
}
