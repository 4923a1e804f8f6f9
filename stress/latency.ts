import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type SwitchboardClient } from "../client/index.ts";
import { ChildHub, freePort, newAdminToken } from "../test/helpers/child-hub.ts";

/**
 * "Every other client keeps its latency": well-behaved agents send at a
 * steady pace and time each round trip while one misbehaving client (in its
 * own process, see abuse.ts) hits a limit, scenario by scenario, and then
 * all of them at once. The hub runs as its own process too.
 */
export const ABUSE_SCENARIOS = [
  "rate-limit",
  "malformed",
  "oversized",
  "slow-consumer",
  "socket-limit",
  "auth-deadline",
  "big-batch",
  "unknown-keys",
  "pipelining",
] as const;

/** The limits the hub runs with here (lower than the defaults, so each abuser reaches its limit quickly). */
export const LATENCY_FLAGS = {
  "rate-limit": "1000",
  "rate-burst": "1000",
  "max-buffered-bytes": "1MiB",
  "auth-timeout-ms": "2000",
  "heartbeat-ms": "0",
} as const;

export interface ScenarioResult {
  readonly scenario: string;
  readonly sends: number;
  readonly failed: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** What the hub did to the abusers: close codes, error tags, HTTP statuses. */
  readonly abuser: Record<string, number>;
}

export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const root = fileURLToPath(new URL("../", import.meta.url));

const startAbuser = (scenario: string, url: string, token: string) => {
  const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", "stress/abuse.ts", scenario, url, token], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return {
    async stop(): Promise<Record<string, number>> {
      proc.kill("SIGTERM");
      await exited;
      try {
        return (JSON.parse(out.trim().split("\n").pop() ?? "{}") as { tally?: Record<string, number> }).tally ?? {};
      } catch {
        return {};
      }
    },
  };
};

export const latencyUnderAbuse = async (options: {
  seconds: number;
  pairs?: number;
  ratePerAgent?: number;
  say?: (line: string) => void;
}): Promise<ScenarioResult[]> => {
  const say = options.say ?? (() => {});
  const pairs = options.pairs ?? 10;
  const rate = options.ratePerAgent ?? 20;
  const dir = mkdtempSync(join(tmpdir(), "sb-latency-"));
  const adminToken = newAdminToken();
  const hub = await ChildHub.start({
    db: join(dir, "hub.db"),
    port: await freePort(),
    adminToken,
    flags: LATENCY_FLAGS,
  });
  const clients: SwitchboardClient[] = [];
  try {
    const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
    const made = async (name: string) => {
      const { agent, token } = await admin.call("admin/agent/create", { name });
      return { id: agent.id, token };
    };
    const abuserToken = (await made("abuser")).token;
    const lanes: Array<{ client: SwitchboardClient; taskId: string; conversationId: string }> = [];
    for (let i = 0; i < pairs; i++) {
      const a = await connect({ url: hub.wsUrl, token: (await made(`steady-a${i}`)).token, reconnect: false });
      const bMade = await made(`steady-b${i}`);
      const b = await connect({ url: hub.wsUrl, token: bMade.token, reconnect: false });
      clients.push(a, b);
      const { task, conversation } = await a.call("task/request", {
        invitedAgentIds: [bMade.id],
        initialConversation: {},
      });
      for (const c of [a, b]) lanes.push({ client: c, taskId: task.id, conversationId: conversation!.id });
    }
    await admin.close();

    const results: ScenarioResult[] = [];
    for (const scenario of ["none", ...ABUSE_SCENARIOS, "all at once"]) {
      const which = scenario === "none" ? [] : scenario === "all at once" ? [...ABUSE_SCENARIOS] : [scenario];
      const abusers = which.map((s) => startAbuser(s, hub.wsUrl, abuserToken));
      await new Promise((r) => setTimeout(r, 1000));
      const rtts: number[] = [];
      let failed = 0;
      const until = performance.now() + options.seconds * 1000;
      await Promise.all(
        lanes.map(async (lane, i) => {
          let next = performance.now() + (i * 1000) / rate / lanes.length;
          while (performance.now() < until) {
            const wait = next - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            next += 1000 / rate;
            const t0 = performance.now();
            try {
              await lane.client.call("messages/send", {
                taskId: lane.taskId,
                conversationId: lane.conversationId,
                parts: [{ type: "text", text: "steady" }],
              });
              rtts.push(performance.now() - t0);
            } catch {
              failed++;
            }
          }
        }),
      );
      const abuser: Record<string, number> = {};
      for (const tally of await Promise.all(abusers.map((a) => a.stop()))) {
        for (const [k, n] of Object.entries(tally)) abuser[k] = (abuser[k] ?? 0) + n;
      }
      rtts.sort((a, b) => a - b);
      const r: ScenarioResult = {
        scenario,
        sends: rtts.length,
        failed,
        p50: percentile(rtts, 50),
        p95: percentile(rtts, 95),
        p99: percentile(rtts, 99),
        max: rtts.at(-1) ?? NaN,
        abuser,
      };
      results.push(r);
      say(
        `${scenario.padEnd(14)} p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)}  p99 ${r.p99.toFixed(1)}  max ${r.max.toFixed(1)}  (${r.sends} sends, ${failed} failed)  abuser got ${JSON.stringify(abuser)}`,
      );
    }
    return results;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await hub.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
};
