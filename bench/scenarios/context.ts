import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../../storage/index.ts";
import { metric, type Driven, type Loads } from "../lib/drive.ts";
import type { StepArgs } from "../lib/plan.ts";
import { cpuShare, mainThreadProfile, startBare, startHub, type Server } from "../lib/procs.ts";
import type { Row } from "../lib/report.ts";
import { closeSeed, openSeed } from "../seed.ts";
import type { PgServer } from "../lib/postgres.ts";

export interface Options {
  readonly quick: boolean;
  /** Run the hub under `node --cpu-prof`. */
  readonly profile: boolean;
  /** Load processes for the scenarios whose sockets split evenly (direct, latency, connections). */
  readonly loadProcs: number | undefined;
  /** `postgres`: each scenario on a fresh database of this run's PostgreSQL server. */
  readonly db: "sqlite" | "postgres";
  /** Hub processes on the same database (PostgreSQL only; direct, fan-out and latency spread over them). */
  readonly nodes: number;
  /** Extra `serve` options for every hub, e.g. `["--pool-size", "32"]`. */
  readonly hubArgs: ReadonlyArray<string>;
}

export interface Outcome {
  readonly rows: ReadonlyArray<Row>;
  readonly detail: Record<string, unknown>;
  /** Things the reader must know about this run of the scenario (errors, load not achieved). */
  readonly notes: ReadonlyArray<string>;
  /** The hub's measured windows, by phase, to cut its CPU profile to (see bench/profile-summary.ts). */
  readonly profile?: Record<string, ReadonlyArray<readonly [number, number]>>;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(ctx: Context): Promise<Outcome>;
}

/** What a scenario gets from the orchestrator: options, a results folder, and servers to run against. */
export class Context {
  readonly adminToken = `sb_admin.admin.${randomBytes(32).toString("base64url")}`;
  readonly profileDir: string;

  constructor(
    readonly options: Options,
    /** Logs, plans and profiles of this run. */
    readonly dir: string,
    readonly log: (line: string) => void,
    /** The run's PostgreSQL server when `options.db` is postgres. */
    readonly pg?: PgServer,
  ) {
    this.profileDir = join(dir, "profiles");
    if (options.profile) mkdirSync(this.profileDir, { recursive: true });
  }

  get quick(): boolean {
    return this.options.quick;
  }

  /** `sqlite`, or `postgres` with the number of nodes: added to the rows' scenario names when not SQLite. */
  get engine(): string {
    return this.options.db === "sqlite"
      ? "sqlite"
      : `postgres, ${this.options.nodes} node${this.options.nodes > 1 ? "s" : ""}`;
  }

  /** The label of a row: `name`, or `name (postgres, N nodes)` on PostgreSQL. */
  label(name: string): string {
    return this.options.db === "sqlite" ? name : `${name} (${this.engine})`;
  }

  /**
   * Seed a fresh database (a file in a temporary folder, or a new database of
   * the run's PostgreSQL server; removed afterwards), start the hub on it
   * (`options.nodes` hubs when `spread`), run `body`, stop the hubs. `server`
   * is the first node; `nodes` are all of them.
   */
  async withHub<S, R>(
    name: string,
    seed: (storage: Storage) => Promise<S>,
    body: (server: Server, seeded: S, nodes: ReadonlyArray<Server>) => Promise<R>,
    options: { inspect?: boolean; spread?: boolean } = {},
  ): Promise<{ seeded: S; result: R }> {
    const tmp = mkdtempSync(join(tmpdir(), "sb-bench-"));
    const pgDb = this.options.db === "postgres" ? await this.pg!.database(name) : undefined;
    try {
      const db = pgDb ? pgDb.url : join(tmp, "hub.db");
      const t0 = performance.now();
      const storage = await openSeed(db);
      let seeded: S;
      try {
        seeded = await seed(storage);
      } finally {
        await closeSeed(storage);
      }
      const count = options.spread === true && pgDb ? this.options.nodes : 1;
      this.log(
        `  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; starting ${count === 1 ? "the hub" : `${count} hubs`}`,
      );
      const nodes: Server[] = [];
      try {
        for (let i = 0; i < count; i++)
          nodes.push(
            await startHub({
              db,
              adminToken: this.adminToken,
              logFile: join(this.dir, `hub-${name}${i === 0 ? "" : `-${i}`}.log`),
              profileDir: this.options.profile && i === 0 ? join(this.profileDir, name) : undefined,
              inspect: options.inspect === true,
              extraArgs: this.options.hubArgs,
            }),
          );
        return { seeded, result: await body(nodes[0]!, seeded, nodes) };
      } finally {
        await Promise.all(nodes.map((n) => n.stop()));
        if (this.options.profile && nodes[0]) this.keepProfile(name, nodes[0].pid);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      await pgDb?.drop();
    }
  }

  /** Move the hub's main-thread profile to `<profiles>/<name>.cpuprofile`. */
  private keepProfile(name: string, pid: number): void {
    const dir = join(this.profileDir, name);
    const file = mainThreadProfile(dir, pid);
    if (file) renameSync(join(dir, file), join(this.profileDir, `${name}.cpuprofile`));
    else this.log(`  no profile of the hub's main thread in ${dir}`);
  }

  async withBare<R>(
    mode: "echo" | "relay",
    name: string,
    body: (server: Server) => Promise<R>,
    options: { inspect?: boolean } = {},
  ): Promise<R> {
    const server = await startBare(mode, join(this.dir, `bare-${name}.log`), options.inspect === true);
    try {
      return await body(server);
    } finally {
      await server.stop();
    }
  }

  loadProcs(fallback: number): number {
    return Math.max(1, this.options.loadProcs ?? fallback);
  }
}

/** CPU used (in cores) by the server and each load process between two marks, and the hub's group commits. */
export const usage = async (d: Driven, from: string, to: string) => {
  const a = d.marks.get(from);
  const b = d.marks.get(to);
  if (!a || !b) return undefined;
  const [ma, mb] = await Promise.all([a.metrics, b.metrics]);
  const delta = (name: string) => metric(mb, name) - metric(ma, name);
  const commits = delta("switchboard_commit_batch_jobs_count");
  return {
    serverCpu: round(cpuShare(a.server, b.server)),
    loadCpu: a.loads.map((s, i) => round(cpuShare(s, b.loads[i]!))),
    ...(ma !== undefined && mb !== undefined
      ? {
          commits,
          jobsPerCommit: round(delta("switchboard_commit_batch_jobs_sum") / commits),
          msPerCommit: round((delta("switchboard_commit_seconds_sum") * 1000) / commits),
        }
      : {}),
  };
};

/** CPU seconds the server process used between two marks. */
export const serverCpuSeconds = (d: Driven, from: string, to: string): number => {
  const a = d.marks.get(from);
  const b = d.marks.get(to);
  return a && b ? b.server.cpuS - a.server.cpuS : Number.NaN;
};

/**
 * Measured windows taken in turn on the hub and on the bare server, both
 * running: hub, bare, hub, bare... A drift in the machine's load then
 * touches both sides of each pair, and the ratio is the median of the
 * per-round ratios. One unmeasured window on each first warms the JIT and
 * SQLite's cache.
 */
export const alternate = async (
  hub: Loads,
  bare: Loads,
  rounds: number,
  args: StepArgs,
): Promise<{ hub: Driven[]; bare: Driven[] }> => {
  const out = { hub: [] as Driven[], bare: [] as Driven[] };
  await hub.step("window", args);
  await bare.step("window", args);
  for (let r = 0; r < rounds; r++) {
    out.hub.push(await hub.step("window", args));
    out.bare.push(await bare.step("window", args));
  }
  return out;
};

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Split items into n nearly equal parts. */
export const split = <T>(items: ReadonlyArray<T>, n: number): T[][] =>
  Array.from({ length: n }, (_, i) => items.filter((_, j) => j % n === i)).filter((p) => p.length > 0);
