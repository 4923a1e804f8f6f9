import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with
 * the most self time, the same grouped by file or package, and the functions
 * with the most inclusive time. Times are shares of the busy time (every
 * sample but `(idle)`).
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 20] [--markdown]
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: ReadonlyArray<number>;
}
export interface CpuProfile {
  readonly startTime: number;
  readonly nodes: ReadonlyArray<ProfileNode>;
  readonly samples: ReadonlyArray<number>;
  readonly timeDeltas: ReadonlyArray<number>;
}

export interface Hot {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  readonly self: ReadonlyArray<Hot>;
  readonly byModule: ReadonlyArray<Hot>;
  readonly inclusive: ReadonlyArray<Hot>;
  /** Inclusive time of the project's own functions (server/, storage/, protocol/): where the hub's stages go. */
  readonly project: ReadonlyArray<Hot>;
}

const PROJECT = /^(server|storage|protocol)\//;
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const where = (url: string): string => {
  if (url === "") return "";
  let path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) return path.slice(nm);
  if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  return path;
};

/** The package (node_modules), project file, or Node's internals that a frame belongs to. */
const moduleOf = (f: CallFrame): string => {
  const path = where(f.url);
  if (path === "") return f.functionName.startsWith("(") ? f.functionName : "(native)";
  if (path.startsWith("node_modules/")) {
    const rest = path.slice("node_modules/".length).split("/");
    return `npm:${rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith("node:")) return "node:internal";
  return path;
};

/**
 * A function's name and place. Project files are transformed by tsx, whose
 * line numbers do not match the source, so they are named by file only;
 * packages keep their line.
 */
const label = (f: CallFrame): string => {
  const path = where(f.url);
  const name = f.functionName || "(anonymous)";
  if (path === "") return name;
  return path.startsWith("node_modules/") || path.startsWith("node:")
    ? `${name} ${path}:${f.lineNumber + 1}`
    : `${name} ${path}`;
};

const top = (m: Map<string, number>, busy: number, n: number): Hot[] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }));

/**
 * `windows` (monotonic µs, the profile's own clock) keeps only the samples
 * taken inside them, e.g. a benchmark's measured window without start-up.
 */
export const summarise = (
  profile: CpuProfile,
  n = 20,
  windows?: ReadonlyArray<readonly [number, number]>,
): ProfileSummary => {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const self = new Map<string, number>();
  const mods = new Map<string, number>();
  const incl = new Map<string, number>();
  const own = new Map<string, number>();
  let total = 0;
  let busy = 0;
  const { samples, timeDeltas } = profile;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (windows && !windows.some(([from, to]) => at >= from && at < to)) continue;
    const us = timeDeltas[i + 1] ?? 0;
    total += us;
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const f = node.callFrame;
    if (f.functionName === "(idle)") continue;
    busy += us;
    const key = label(f);
    self.set(key, (self.get(key) ?? 0) + us);
    const mod = moduleOf(f);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === "(root)") break;
      const k = label(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
      if (PROJECT.test(where(frame.url))) own.set(k, (own.get(k) ?? 0) + us);
    }
  }
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    self: top(self, busy, n),
    byModule: top(mods, busy, n),
    inclusive: top(incl, busy, n),
    project: top(own, busy, n),
  };
};

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export const formatSummary = (s: ProfileSummary, markdown: boolean): string => {
  const table = (title: string, rows: ReadonlyArray<Hot>) => {
    if (markdown) {
      return [
        `| ${title} | ms | share of busy |`,
        "|---|---:|---:|",
        ...rows.map((r) => `| \`${r.name}\` | ${r.ms.toFixed(0)} | ${pct(r.share)} |`),
      ].join("\n");
    }
    return [
      title,
      ...rows.map((r) => `  ${pct(r.share).padStart(6)}  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`),
    ].join("\n");
  };
  return [
    `busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms profiled`,
    "",
    table("Self time, by function", s.self),
    "",
    table("Self time, by file or package", s.byModule),
    "",
    table("Inclusive time, by function", s.inclusive),
    "",
    table("Inclusive time, the hub's own functions", s.project),
  ].join("\n");
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--markdown]\n");
    process.exit(2);
  }
  const at = args.indexOf("--top");
  const n = at >= 0 ? Number(args[at + 1]) : 20;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  process.stdout.write(`${formatSummary(summarise(profile, n), args.includes("--markdown"))}\n`);
}
