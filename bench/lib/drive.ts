import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FromLoad, LoadResult, Plan, StepArgs, ToLoad } from "./plan.ts";
import { sampleProc, startLoad, type ProcSample, type Server } from "./procs.ts";

/** What the server and the load processes had used at one mark of the first load process. */
export interface Mark {
  /** Monotonic clock in µs: the clock of V8's CPU profiles, so a profile can be cut to a window. */
  readonly monoUs: number;
  readonly server: ProcSample;
  readonly loads: ReadonlyArray<ProcSample>;
  /** GET /metrics of the hub at that moment (absent for the bare server). */
  readonly metrics: Promise<string | undefined>;
  /** What `onWaitingMark` returned, for marks the load waits at. */
  readonly extra?: unknown;
}

export interface Driven {
  readonly results: ReadonlyArray<LoadResult>;
  readonly marks: ReadonlyMap<string, Mark>;
}

const scrape = async (server: Server, hub: boolean): Promise<string | undefined> => {
  if (!hub) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    return await res.text();
  } catch {
    return undefined;
  }
};

interface Pending {
  readonly results: Array<LoadResult | undefined>;
  readonly marks: Map<string, Mark>;
  left: number;
  resolve(d: Driven): void;
  reject(e: Error): void;
}

/**
 * The load processes of one plan set, all against one server: started and
 * connected once, then told to run steps (measured windows) together. The
 * first process's marks are where the server and the loads are sampled; at a
 * mark the load waits at, `onWaitingMark` runs first (e.g. a garbage
 * collection in the server) and its value is kept with the mark.
 */
export class Loads {
  private pending: Pending | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly server: Server,
    private readonly hub: boolean,
    private readonly children: ReadonlyArray<ChildProcess>,
    private readonly onWaitingMark?: (name: string) => Promise<unknown>,
  ) {
    children.forEach((child, i) => {
      child.on("message", (m: FromLoad) => this.onMessage(i, m));
      child.on("exit", (code) => {
        if (this.pending || code !== 0) this.fail(new Error(`load process ${i} exited (${code})`));
      });
    });
  }

  static async start(
    server: Server,
    plans: ReadonlyArray<Plan>,
    dir: string,
    tag: string,
    onWaitingMark?: (name: string) => Promise<unknown>,
  ): Promise<Loads> {
    const children = plans.map((plan, i) => {
      const file = join(dir, `plan-${tag}-${i}.json`);
      writeFileSync(file, JSON.stringify(plan));
      return startLoad(file);
    });
    await Promise.all(
      children.map(
        (child, i) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: FromLoad) => {
              if (m.type === "ready") resolve();
              else if (m.type === "failed") reject(new Error(`load process ${i} failed: ${m.message}`));
              else return;
              child.off("message", onMessage);
              child.off("exit", onExit);
            };
            const onExit = (code: number | null) =>
              reject(new Error(`load process ${i} exited (${code}) while connecting`));
            child.on("message", onMessage);
            child.once("exit", onExit);
          }),
      ),
    ).catch((err: unknown) => {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      throw err;
    });
    return new Loads(server, plans[0]!.target === "hub", children, onWaitingMark);
  }

  /** Run one step in every process at once; resolves with every result and the marks. */
  step(name: string, args: StepArgs = {}): Promise<Driven> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { results: [], marks: new Map(), left: this.children.length, resolve, reject };
      for (const c of this.children) c.send({ type: "step", name, args } satisfies ToLoad);
    });
  }

  /** Tell every process to close its sockets and exit. */
  async close(): Promise<void> {
    this.pending = undefined;
    await Promise.all(
      this.children.map((c) =>
        c.exitCode !== null || c.signalCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
              c.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              c.send({ type: "exit" } satisfies ToLoad);
            }),
      ),
    );
  }

  private sample(name: string, extra?: unknown): void {
    this.pending?.marks.set(name, {
      monoUs: Number(process.hrtime.bigint() / 1000n),
      server: sampleProc(this.server.pid),
      loads: this.children.map((c) => sampleProc(c.pid!)),
      metrics: scrape(this.server, this.hub),
      ...(extra === undefined ? {} : { extra }),
    });
  }

  private onMessage(i: number, m: FromLoad): void {
    const p = this.pending;
    switch (m.type) {
      case "mark":
        if (!m.wait) {
          if (i === 0) this.sample(m.name);
          return;
        }
        void (async () => {
          const extra = i === 0 && this.onWaitingMark ? await this.onWaitingMark(m.name) : undefined;
          if (i === 0) this.sample(m.name, extra);
          this.children[i]!.send({ type: "continue" } satisfies ToLoad);
        })().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
        return;
      case "result":
        if (!p) return;
        p.results[i] = m.result;
        if (--p.left === 0) {
          this.pending = undefined;
          p.resolve({ results: p.results.map((r) => r!), marks: p.marks });
        }
        return;
      case "failed":
        this.fail(new Error(`load process ${i} failed: ${m.message}`));
        return;
      case "ready":
        return;
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
    for (const c of this.children) if (c.exitCode === null) c.kill("SIGKILL");
  }
}

/** Start the loads, run one step `run`, and close them. */
export const drive = async (
  server: Server,
  plans: ReadonlyArray<Plan>,
  dir: string,
  tag: string,
  onWaitingMark?: (name: string) => Promise<unknown>,
): Promise<Driven> => {
  const loads = await Loads.start(server, plans, dir, tag, onWaitingMark);
  try {
    return await loads.step("run");
  } finally {
    await loads.close();
  }
};

/** The window between two marks, as a profile window. */
export const between = (d: Driven, from: string, to: string): [number, number] => [
  d.marks.get(from)?.monoUs ?? Number.NaN,
  d.marks.get(to)?.monoUs ?? Number.NaN,
];

/** Sum the named count over the results of several load processes. */
export const sum = (results: ReadonlyArray<LoadResult>, name: string): number =>
  results.reduce((n, r) => n + (r.counts[name] ?? 0), 0);

/** Every sample of that name across the results. */
export const samples = (results: ReadonlyArray<LoadResult>, name: string): number[] =>
  results.flatMap((r) => r.samples[name] ?? []);

/** The first process's window of that name, in seconds. */
export const seconds = (results: ReadonlyArray<LoadResult>, name: string): number =>
  results[0]?.seconds[name] ?? Number.NaN;

export const allErrors = (results: ReadonlyArray<LoadResult>): string[] => results.flatMap((r) => r.errors);

/** A counter or histogram `_sum`/`_count` of Prometheus text. */
export const metric = (text: string | undefined, name: string): number => {
  if (!text) return Number.NaN;
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(text);
  return m ? Number(m[1]) : Number.NaN;
};
