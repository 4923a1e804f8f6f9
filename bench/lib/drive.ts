import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FromLoad, LoadResult, Plan, ToLoad } from "./plan.ts";
import { sampleProc, startLoad, type ProcSample, type Server } from "./procs.ts";

/** What the server and the load processes had used at one mark of the first load process. */
export interface Mark {
  /** Monotonic clock in µs: the clock of V8's CPU profiles, so a profile can be cut to a window. */
  readonly monoUs: number;
  readonly server: ProcSample;
  readonly loads: ReadonlyArray<ProcSample>;
  /** GET /metrics of the hub at that moment (absent for the bare server). */
  readonly metrics: Promise<string | undefined>;
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

/**
 * Start one load process per plan against `server`, wait until all have
 * connected, start them together, sample CPU and memory at the marks of the
 * first, and collect every result.
 */
export const drive = async (server: Server, plans: ReadonlyArray<Plan>, dir: string, tag: string): Promise<Driven> => {
  const children = plans.map((plan, i) => {
    const file = join(dir, `plan-${tag}-${i}.json`);
    writeFileSync(file, JSON.stringify(plan));
    return startLoad(file);
  });
  const marks = new Map<string, Mark>();
  let ready = 0;
  const results = await Promise.all(
    children.map(
      (child, i) =>
        new Promise<LoadResult>((resolve, reject) => {
          let done = false;
          child.on("message", (m: FromLoad) => {
            switch (m.type) {
              case "ready":
                if (++ready === children.length) for (const c of children) c.send({ type: "go" } satisfies ToLoad);
                return;
              case "mark":
                if (i === 0) {
                  marks.set(m.name, {
                    monoUs: Number(process.hrtime.bigint() / 1000n),
                    server: sampleProc(server.pid),
                    loads: children.map((c) => sampleProc(c.pid!)),
                    metrics: scrape(server, plans[0]!.target === "hub"),
                  });
                }
                return;
              case "result":
                done = true;
                resolve(m.result);
                return;
              case "failed":
                done = true;
                reject(new Error(`load process ${i} failed: ${m.message}`));
                return;
            }
          });
          child.on("exit", (code) => {
            if (!done) reject(new Error(`load process ${i} exited (${code}) without a result`));
          });
        }),
    ),
  ).catch((err: unknown) => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    throw err;
  });
  return { results, marks };
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
