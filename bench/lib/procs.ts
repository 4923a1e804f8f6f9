import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

/** The project's root: every child runs there, as `npm start` would. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Cap on the open-files limit asked for; 10,000 sockets need a little more than 10,000. */
const NOFILE_WANTED = 65_536;

/**
 * Run `node ARGS` through sh so that the soft open-files limit is first raised
 * to the hard limit (at most NOFILE_WANTED): Node cannot raise its own, and
 * the connections scenario holds 10,000 sockets in the hub and as many in the
 * load process. `exec` keeps the pid, so /proc/<pid> is node's.
 */
const withOpenFiles = (nodeArgs: ReadonlyArray<string>): [string, string[]] => [
  "/bin/sh",
  [
    "-c",
    `h=$(ulimit -Hn); if [ "$h" = unlimited ] || [ "$h" -gt ${NOFILE_WANTED} ]; then h=${NOFILE_WANTED}; fi; ulimit -n "$h" 2>/dev/null; exec "$0" "$@"`,
    process.execPath,
    ...nodeArgs,
  ],
];

/** The environment without SWITCHBOARD_* settings, so the hub runs on its defaults whatever the shell has set. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SWITCHBOARD_")) env[k] = v;
  return { ...env, ...extra };
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Started with an inspector: collect garbage, then read `process.memoryUsage()`. */
  readonly collect?: () => Promise<NodeJS.MemoryUsage>;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));

/**
 * One round trip to a Node inspector (`--inspect=127.0.0.1:0`): a full
 * garbage collection, so that the memory read next is what is retained,
 * not garbage the heap has not collected yet.
 */
const collectVia = (logFile: string) => async (): Promise<NodeJS.MemoryUsage> => {
  const found = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, "utf8"));
  if (!found) throw new Error(`no inspector address in ${logFile}`);
  const ws = new WebSocket(found[1]!);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let next = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next;
      const onMessage = (data: Buffer) => {
        const m = JSON.parse(data.toString("utf8")) as { id?: number; result?: unknown; error?: { message: string } };
        if (m.id !== id) return;
        ws.off("message", onMessage);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("HeapProfiler.collectGarbage");
    const r = (await call("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    })) as { result: { value: string } };
    return JSON.parse(r.result.value) as NodeJS.MemoryUsage;
  } finally {
    ws.close();
  }
};

const serverOf = (child: ChildProcess, port: number, path: string, inspectLog?: string): Server => ({
  ...(inspectLog ? { collect: collectVia(inspectLog) } : {}),
  child,
  pid: child.pid!,
  port,
  url: `ws://127.0.0.1:${port}${path}`,
  async stop(graceMs = 20_000) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited(child);
    clearTimeout(timer);
  },
});

/** Poll GET /healthz until it answers 200, or fail if the process exits first. */
const waitHealthy = async (child: ChildProcess, port: number, what: string, logFile: string): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was healthy; see ${logFile}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`${what} was not healthy within 60 s; see ${logFile}`);
};

export interface HubOptions {
  readonly db: string;
  readonly adminToken: string;
  readonly logFile: string;
  /**
   * Run under `node --cpu-prof`, writing into this folder. Node 20 names the
   * profiles itself: one per thread, and tsx's module loader has its own.
   */
  readonly profileDir?: string | undefined;
  /** Open an inspector on a random loopback port, for Server.collect. */
  readonly inspect?: boolean;
  /** Extra `serve` options, e.g. `["--pool-size", "32"]`. */
  readonly extraArgs?: ReadonlyArray<string>;
}

/** The hub as `npm start` runs it, on a free loopback port with a fresh database. */
export const startHub = async (o: HubOptions): Promise<Server> => {
  const port = await freePort();
  const prof = o.profileDir ? ["--cpu-prof", "--cpu-prof-dir", o.profileDir] : [];
  const inspect = o.inspect ? ["--inspect=127.0.0.1:0"] : [];
  const args = [
    ...prof,
    ...inspect,
    "--max-semi-space-size=64", // as `npm start` runs the hub
    "--import",
    "tsx",
    "server/cli/main.ts",
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--db",
    o.db,
    ...(o.extraArgs ?? []),
  ];
  const log = openSync(o.logFile, "a");
  const [cmd, argv] = withOpenFiles(args);
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    env: cleanEnv({ SWITCHBOARD_ADMIN_TOKEN: o.adminToken }),
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  await waitHealthy(child, port, "the hub", o.logFile);
  return serverOf(child, port, "/ws", o.inspect ? o.logFile : undefined);
};

/** The bare `ws` server of bench/bare.ts. */
export const startBare = async (mode: "echo" | "relay", logFile: string, inspect = false): Promise<Server> => {
  const port = await freePort();
  const log = openSync(logFile, "a");
  const [cmd, argv] = withOpenFiles([
    ...(inspect ? ["--inspect=127.0.0.1:0"] : []),
    "--import",
    "tsx",
    "bench/bare.ts",
    "--port",
    String(port),
    "--mode",
    mode,
  ]);
  const child = spawn(cmd, argv, { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", log, log] });
  closeSync(log);
  await waitHealthy(child, port, "the bare server", logFile);
  return serverOf(child, port, "/ws", inspect ? logFile : undefined);
};

/** A load process (bench/load.ts) with an IPC channel to the orchestrator. */
export const startLoad = (planFile: string): ChildProcess => {
  const [cmd, argv] = withOpenFiles(["--import", "tsx", "bench/load.ts", planFile]);
  return spawn(cmd, argv, { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "inherit", "inherit", "ipc"] });
};

/**
 * The main thread's profile among those `--cpu-prof` wrote into `dir`:
 * `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`, thread 0.
 */
export const mainThreadProfile = (dir: string, pid: number): string | undefined =>
  readdirSync(dir).find((f) => f.includes(`.${pid}.0.`) && f.endsWith(".cpuprofile"));

let clockTicks: number | undefined;
const ticksPerSecond = (): number => {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
};

export interface ProcSample {
  readonly at: number;
  /** User + system CPU seconds so far. */
  readonly cpuS: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
}

/** CPU time and RSS of a process from /proc (Linux). */
export const sampleProc = (pid: number): ProcSample => {
  const at = performance.now();
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return { at, cpuS: ticks / ticksPerSecond(), rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return { at, cpuS: Number.NaN, rssBytes: Number.NaN };
  }
};

/** Share of one core used between two samples (1 = one core busy). */
export const cpuShare = (a: ProcSample, b: ProcSample): number => (b.cpuS - a.cpuS) / ((b.at - a.at) / 1000);

/** The 1, 5 and 15 minute load averages. */
export const loadAverage = (): [number, number, number] => {
  try {
    const [a, b, c] = readFileSync("/proc/loadavg", "utf8").split(" ").map(Number);
    return [a ?? 0, b ?? 0, c ?? 0];
  } catch {
    return [0, 0, 0];
  }
};
