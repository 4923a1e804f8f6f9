import type { Storage } from "../../storage/index.ts";
import { allErrors, between, Loads, seconds, sum, type Driven } from "../lib/drive.ts";
import type { DirectPlan, Pair, Target } from "../lib/plan.ts";
import { ratioOf } from "../lib/report.ts";
import { seedAgents, seedConversation } from "../seed.ts";
import { alternate, median, round, serverCpuSeconds, split, usage, type Context, type Scenario } from "./context.ts";

/** 2 × `count` agents in `count` two-agent conversations, each its own task on the default app. */
export const seedPairs = async (storage: Storage, count: number, prefix: string): Promise<Pair[]> => {
  const agents = await seedAgents(storage, count * 2, prefix);
  const pairs: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const a = agents[2 * i]!;
    const b = agents[2 * i + 1]!;
    const c = await seedConversation(storage, [a, b]);
    pairs.push({ taskId: c.taskId, conversationId: c.conversationId, tokens: [a.token, b.token] as const });
  }
  return pairs;
};

const PAIRS = 50;
const WINDOW = 16;

export const direct: Scenario = {
  name: "direct",
  title: "Direct messages: 100 agents in 50 conversations, pipelined messages/send",
  async run(ctx: Context) {
    const procs = ctx.loadProcs(1);
    const rounds = ctx.quick ? 2 : 3;
    const timing = ctx.quick ? { warmupMs: 1000, durationMs: 2000 } : { warmupMs: 1000, durationMs: 5000 };
    const plans = (target: Target, url: string, pairs: Pair[], nodeUrls?: string[]): DirectPlan[] =>
      split(pairs, procs).map((part, proc) => ({
        scenario: "direct",
        target,
        url,
        proc,
        pairs: part,
        window: WINDOW,
        ...(nodeUrls ? { nodeUrls } : {}),
      }));
    const rate = (d: Driven) => sum(d.results, "acked") / seconds(d.results, "window");
    const cpuPerMessage = (d: Driven) => (serverCpuSeconds(d, "start", "end") * 1e6) / sum(d.results, "acked");

    const { result: runs } = await ctx.withHub(
      "direct",
      (s) => seedPairs(s, PAIRS, "direct"),
      (hubServer, pairs, nodes) =>
        ctx.withBare("echo", "direct", async (bareServer) => {
          const nodeUrls = nodes.length > 1 ? nodes.map((n) => n.url) : undefined;
          const hub = await Loads.start(hubServer, plans("hub", hubServer.url, pairs, nodeUrls), ctx.dir, "direct-hub");
          const bare = await Loads.start(bareServer, plans("bare", bareServer.url, pairs), ctx.dir, "direct-bare");
          try {
            return await alternate(hub, bare, rounds, timing);
          } finally {
            await Promise.all([hub.close(), bare.close()]);
          }
        }),
      { spread: true },
    );

    const hubRates = runs.hub.map(rate);
    const bareRates = runs.bare.map(rate);
    const ratio = median(hubRates.map((h, i) => h / bareRates[i]!));
    // on PostgreSQL the target is absolute: ≥ 4,000 acknowledged durable messages/s
    const pg = ctx.options.db === "postgres";
    const [hubCpu, bareCpu] = [median(runs.hub.map(cpuPerMessage)), median(runs.bare.map(cpuPerMessage))];
    const notes: string[] = [];
    const errors = allErrors([...runs.hub, ...runs.bare].flatMap((d) => d.results));
    if (errors.length > 0) notes.push(`errors: ${errors.join(" | ")}`);
    return {
      rows: [
        {
          scenario: ctx.label("1 direct"),
          figure: "acknowledged messages/send",
          unit: "msg/s",
          hub: median(hubRates),
          bare: median(bareRates),
          ratio,
          target: pg ? "≥ 4,000 msg/s" : "≥ 0.35 × bare echo",
          met: (pg ? median(hubRates) >= 4000 : ratio >= 0.35) && errors.length === 0,
        },
        {
          scenario: ctx.label("1 direct"),
          figure: ctx.options.nodes > 1 && pg ? "server CPU per message (first node only)" : "server CPU per message",
          unit: "µs",
          hub: hubCpu,
          bare: bareCpu,
          ratio: ratioOf(hubCpu, bareCpu),
          target: "",
          met: null,
        },
      ],
      detail: {
        engine: ctx.engine,
        agents: PAIRS * 2,
        windowPerSocket: WINDOW,
        loadProcesses: procs,
        rounds,
        ...timing,
        hub: {
          perRound: hubRates.map((r) => round(r, 0)),
          deliveredPerSecond: runs.hub.map((d) => round(sum(d.results, "delivered") / seconds(d.results, "window"), 0)),
          usage: await Promise.all(runs.hub.map((d) => usage(d, "start", "end"))),
        },
        bare: {
          perRound: bareRates.map((r) => round(r, 0)),
          usage: await Promise.all(runs.bare.map((d) => usage(d, "start", "end"))),
        },
        ratios: hubRates.map((h, i) => round(h / bareRates[i]!, 3)),
      },
      notes,
      profile: { direct: runs.hub.map((d) => between(d, "start", "end")) },
    };
  },
};
