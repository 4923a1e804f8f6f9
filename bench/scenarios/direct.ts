import { allErrors, between, drive, seconds, sum, type Driven } from "../lib/drive.ts";
import type { DirectPlan, Pair, Target } from "../lib/plan.ts";
import { ratioOf } from "../lib/report.ts";
import { seedAgents, seedConversation } from "../seed.ts";
import type { Storage } from "../../storage/index.ts";
import { round, split, usage, type Context, type Scenario } from "./context.ts";

/** 2 × `count` agents in `count` two-agent conversations, each its own task on the default app. */
export const seedPairs = (storage: Storage, count: number, prefix: string): Pair[] => {
  const agents = seedAgents(storage, count * 2, prefix);
  return Array.from({ length: count }, (_, i) => {
    const a = agents[2 * i]!;
    const b = agents[2 * i + 1]!;
    const c = seedConversation(storage, [a, b]);
    return { taskId: c.taskId, conversationId: c.conversationId, tokens: [a.token, b.token] as const };
  });
};

const PAIRS = 50;
const WINDOW = 16;

export const direct: Scenario = {
  name: "direct",
  title: "Direct messages: 100 agents in 50 conversations, pipelined messages/send",
  async run(ctx: Context) {
    const procs = ctx.loadProcs(1);
    const timing = ctx.quick ? { warmupMs: 1000, durationMs: 3000 } : { warmupMs: 3000, durationMs: 10_000 };
    const plans = (target: Target, url: string, pairs: Pair[]): DirectPlan[] =>
      split(pairs, procs).map((part, proc) => ({
        scenario: "direct",
        target,
        url,
        proc,
        pairs: part,
        window: WINDOW,
        ...timing,
      }));
    const rate = (d: Driven) => sum(d.results, "acked") / seconds(d.results, "window");

    const hub = await ctx.withHub(
      "direct",
      (s) => seedPairs(s, PAIRS, "direct"),
      (server, pairs) => drive(server, plans("hub", server.url, pairs), ctx.dir, "direct-hub"),
    );
    const bare = await ctx.withBare("echo", "direct", (server) =>
      drive(server, plans("bare", server.url, hub.seeded), ctx.dir, "direct-bare"),
    );

    const hubRate = rate(hub.result);
    const bareRate = rate(bare);
    const ratio = ratioOf(hubRate, bareRate);
    const notes: string[] = [];
    const errors = allErrors([...hub.result.results, ...bare.results]);
    if (errors.length > 0) notes.push(`errors: ${errors.join(" | ")}`);
    return {
      rows: [
        {
          scenario: "1 direct",
          figure: "acknowledged messages/send",
          unit: "msg/s",
          hub: hubRate,
          bare: bareRate,
          ratio,
          target: "≥ 0.35 × bare echo",
          met: ratio !== null && ratio >= 0.35 && errors.length === 0,
        },
      ],
      detail: {
        agents: PAIRS * 2,
        windowPerSocket: WINDOW,
        loadProcesses: procs,
        ...timing,
        hub: {
          counts: { acked: sum(hub.result.results, "acked"), delivered: sum(hub.result.results, "delivered") },
          deliveredPerSecond: round(sum(hub.result.results, "delivered") / seconds(hub.result.results, "window"), 0),
          usage: await usage(hub.result, "start", "end"),
        },
        bare: { counts: { acked: sum(bare.results, "acked") }, usage: await usage(bare, "start", "end") },
      },
      notes,
      profile: { direct: [between(hub.result, "start", "end")] },
    };
  },
};
