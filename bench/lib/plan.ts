/**
 * What the orchestrator (bench/run.ts) hands a load process (bench/load.ts)
 * in a JSON file, and what comes back over the IPC channel.
 */

export type Target = "hub" | "bare";

export interface Pair {
  readonly taskId: string;
  readonly conversationId: string;
  readonly tokens: readonly [string, string];
}

interface Common {
  readonly target: Target;
  /** ws://host:port/ws */
  readonly url: string;
  /** Index of this load process among those of the run. */
  readonly proc: number;
  /**
   * Several hub nodes on one database: the sockets spread over them so that
   * every message crosses nodes (the two agents of a pair on different
   * nodes; the fan-out sender on the first, its receivers on the others).
   * Absent: every socket on `url`.
   */
  readonly nodeUrls?: ReadonlyArray<string>;
}

export interface DirectPlan extends Common {
  readonly scenario: "direct";
  readonly pairs: ReadonlyArray<Pair>;
  /** Requests in flight per socket. */
  readonly window: number;
}

export interface FanoutPlan extends Common {
  readonly scenario: "fanout";
  readonly taskId: string;
  readonly conversationId: string;
  readonly senderToken: string;
  readonly receiverTokens: ReadonlyArray<string>;
  /** Messages in flight: sent but not yet acknowledged and delivered to every receiver. */
  readonly window: number;
}

export interface LatencyPlan extends Common {
  readonly scenario: "latency";
  readonly pairs: ReadonlyArray<Pair>;
}

export interface ConnectionsPlan extends Common {
  readonly scenario: "connections";
  readonly tokens: ReadonlyArray<string>;
  /** Connections being opened at once. */
  readonly concurrency: number;
  readonly holdMs: number;
}

export interface HistoryPlan extends Common {
  readonly scenario: "history";
  readonly token: string;
  readonly taskId: string;
  readonly conversationId: string;
  readonly messages: number;
  readonly pages: number;
  readonly limit: number;
  readonly replay: {
    readonly token: string;
    readonly resumeAfter: number;
    readonly events: number;
    readonly lastCursor: number;
  };
}

export type Plan = DirectPlan | FanoutPlan | LatencyPlan | ConnectionsPlan | HistoryPlan;

/** Counts and samples a load process reports; figures are derived by the orchestrator. */
export interface LoadResult {
  readonly counts: Record<string, number>;
  /** Latency samples in milliseconds, by name. */
  readonly samples: Record<string, number[]>;
  /** Seconds of the measured window, by name. */
  readonly seconds: Record<string, number>;
  /** The first few error frames or messages seen. */
  readonly errors: string[];
}

/** What one step of a load process is told: a measured window (direct, fan-out, latency) or a whole run. */
export interface StepArgs {
  readonly warmupMs?: number;
  readonly durationMs?: number;
  /** Offered load of this process, messages per second (latency). */
  readonly rate?: number;
}

export type FromLoad =
  | { readonly type: "ready" }
  /** `wait`: the load pauses until the orchestrator says `continue` (to garbage-collect and measure the server). */
  | { readonly type: "mark"; readonly name: string; readonly wait?: boolean }
  | { readonly type: "result"; readonly result: LoadResult }
  | { readonly type: "failed"; readonly message: string };

export type ToLoad =
  | { readonly type: "step"; readonly name: string; readonly args: StepArgs }
  | { readonly type: "continue" }
  | { readonly type: "exit" };

/** A prepared load: sockets connected and authenticated, ready for steps. */
export interface Runner {
  step(name: string, args: StepArgs): Promise<LoadResult>;
  close(): void;
}

/** Report a mark; with `wait`, resolves once the orchestrator has measured and said continue. */
export type MarkFn = (name: string, wait?: boolean) => Promise<void>;
