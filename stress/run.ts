/**
 * The long versions of the reliability tests (npm run stress), printing the
 * figures docs/RELIABILITY.md quotes:
 *
 *   npm run stress                       # everything
 *   npm run stress -- crash fuzz         # some parts
 *   npm run stress -- crash --rounds 40  # more crash rounds
 *
 * Parts: crash (SIGKILL loop), fuzz (long fuzzer), latency (other clients'
 * latency while one hits each limit), auth (token check timings), ops
 * (backup and graceful shutdown under load). Exits 1 if any check failed.
 */
import { execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openStorage } from "../storage/index.ts";
import { createAgent } from "../server/principals.ts";
import { raise } from "../protocol/index.ts";
import { verifyToken } from "../server/tokens.ts";
import { TestHub } from "../test/helpers/hub.ts";
import { crashRounds } from "../test/reliability/lib/crash.ts";
import { FUZZ_HUB_CONFIG, runFuzz } from "../test/reliability/lib/fuzz.ts";
import { latencyUnderAbuse, LATENCY_FLAGS, percentile } from "./latency.ts";
import { opsUnderLoad } from "./ops.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "25" },
    seeds: { type: "string", default: "101,102,103" },
    frames: { type: "string", default: "100000" },
    calls: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
  },
});
const ALL = ["crash", "fuzz", "latency", "auth", "ops"];
const parts = positionals.length > 0 ? positionals : ALL;
for (const p of parts) {
  if (!ALL.includes(p)) {
    process.stderr.write(`unknown part ${p}; choose from ${ALL.join(", ")}\n`);
    process.exit(2);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  execSync("uptime")
    .toString()
    .trim()
    .replace(/^.*load average: /, "load ");
const failures: string[] = [];
const summary: Record<string, unknown> = {
  when: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
};

say(`# Switchboard stress run, ${summary.when}, Node ${process.version}, ${cpus().length} CPUs (${load()})`);

if (parts.includes("crash")) {
  say(`\n## crash: SIGKILL at random moments, ${values.rounds} rounds (${load()})`);
  const dir = mkdtempSync(join(tmpdir(), "sb-stress-crash-"));
  const started = performance.now();
  const r = await crashRounds({ rounds: Number(values.rounds), seed: 2026, dir, progress: say });
  rmSync(dir, { recursive: true, force: true });
  const restarts = [...r.restartMs].sort((a, b) => a - b);
  say(
    `${r.rounds} kills; ${r.acknowledged} messages acknowledged, ${r.messagesStored} stored; ` +
      `${r.uncertain} sends in flight at a kill, of which ${r.uncertainStored} had been stored (retried: one message each); ` +
      `listener received ${r.listenerReceived}, duplicates ${r.listenerDuplicates}; ` +
      `restart to listening p50 ${percentile(restarts, 50)} ms, max ${restarts.at(-1)} ms; ` +
      `${Math.round((performance.now() - started) / 1000)} s; problems: ${r.problems.length}`,
  );
  failures.push(...r.problems);
  summary.crash = { ...r, problems: r.problems.length };
}

if (parts.includes("fuzz")) {
  const seeds = values.seeds.split(",").map(Number);
  say(
    `\n## fuzz: seeds ${seeds.join(", ")}, ${values.frames} pipelined frames and ${values.calls} calls each (${load()})`,
  );
  const totals = { frames: 0, calls: 0, http: 0, ok: 0, problems: 0, ms: 0 };
  const outcomes: Record<string, number> = {};
  for (const seed of seeds) {
    const t = await TestHub.start(FUZZ_HUB_CONFIG);
    const r = await runFuzz(t, {
      seed,
      pipelinedFrames: Number(values.frames),
      sequentialCalls: Number(values.calls),
      httpRequests: 1000,
    });
    await t.stop();
    say(
      `seed ${seed}: ${r.frames} frames, ${r.calls} calls, ${r.httpRequests} HTTP requests in ${Math.round(r.ms / 1000)} s; ` +
        `${r.outcomes.ok ?? 0} calls succeeded over ${Object.keys(r.accepted).length} methods; ` +
        `${r.oversize} drawn frames over --max-frame-bytes left unsent; problems: ${r.problems.length}`,
    );
    for (const p of r.problems.slice(0, 10)) say(`  ${p.slice(0, 400)}`);
    failures.push(...r.problems);
    totals.frames += r.frames;
    totals.calls += r.calls;
    totals.http += r.httpRequests;
    totals.ok += r.outcomes.ok ?? 0;
    totals.problems += r.problems.length;
    totals.ms += r.ms;
    for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  }
  say(`total: ${totals.frames + totals.calls + totals.http} inputs; answers by outcome: ${JSON.stringify(outcomes)}`);
  summary.fuzz = { ...totals, outcomes };
}

if (parts.includes("latency")) {
  say(
    `\n## latency: 20 agents at 20 sends/s each, ${values.seconds} s per scenario, hub flags ${JSON.stringify(LATENCY_FLAGS)} (${load()})`,
  );
  const r = await latencyUnderAbuse({ seconds: Number(values.seconds), say });
  summary.latency = r;
  for (const s of r) if (s.failed > 0) failures.push(`latency ${s.scenario}: ${s.failed} sends failed`);
}

if (parts.includes("auth")) {
  say(`\n## auth: time to check a token, by what is wrong with it (${load()})`);
  const dir = mkdtempSync(join(tmpdir(), "sb-stress-auth-"));
  const storage = await openStorage(join(dir, "hub.db"));
  const [made] = await storage.transactions.runAll([() => createAgent(storage, { name: "timed" }, raise)]);
  if (!made!.ok) throw made!.error;
  const { agent, token } = made!.value as Awaited<ReturnType<typeof createAgent>>;
  const secret = token.split(".").pop()!;
  const cases: Record<string, string> = {
    valid: token,
    "wrong secret": `sb_agent.${agent.id}.${randomBytes(32).toString("base64url")}`,
    "secret off by its last character": `sb_agent.${agent.id}.${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`,
    "unknown id": `sb_agent.agt_nobody00000000.${secret}`,
    "wrong kind": `sb_user.${agent.id}.${secret}`,
  };
  const rounds = 200;
  const perRound = 100;
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, tok] of Object.entries(cases)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) await verifyToken(storage, tok);
      samples[name]!.push(Number(process.hrtime.bigint() - t0) / perRound / 1000);
    }
  }
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  const rows: Record<string, { p50: number; p90: number }> = {};
  for (const [name, xs] of Object.entries(samples)) {
    xs.sort((a, b) => a - b);
    rows[name] = { p50: percentile(xs, 50), p90: percentile(xs, 90) };
    say(`${name.padEnd(34)} median ${percentile(xs, 50).toFixed(2)} µs, p90 ${percentile(xs, 90).toFixed(2)} µs`);
  }
  summary.auth = rows;
}

if (parts.includes("ops")) {
  say(`\n## ops: backup and graceful shutdown under load (${load()})`);
  const r = await opsUnderLoad({ say });
  failures.push(...r.problems);
  summary.ops = { ...r, problems: r.problems.length };
}

say(`\n## summary (${load()})\n${JSON.stringify(summary)}`);
if (failures.length > 0) {
  say(`\n${failures.length} problems; the first ones:\n${failures.slice(0, 20).join("\n")}`);
  process.exit(1);
}
say("\nNo problems.");
