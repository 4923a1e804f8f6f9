import { allErrors, between, Loads, seconds, sum, type Driven } from "../lib/drive.ts";
import type { FanoutPlan, Target } from "../lib/plan.ts";
import { ratioOf } from "../lib/report.ts";
import { seedAgents, seedConversation } from "../seed.ts";
import { alternate, median, round, serverCpuSeconds, usage, type Context, type Scenario } from "./context.ts";

const PARTICIPANTS = 200;
const WINDOW = 8;

interface Seeded {
  readonly taskId: string;
  readonly conversationId: string;
  readonly tokens: ReadonlyArray<string>;
}

export const fanout: Scenario = {
  name: "fanout",
  title: "Fan-out: one sender into a conversation of 200 participants",
  async run(ctx: Context) {
    const rounds = ctx.quick ? 2 : 3;
    const timing = ctx.quick ? { warmupMs: 1000, durationMs: 2000 } : { warmupMs: 1000, durationMs: 5000 };
    const plan = (target: Target, url: string, s: Seeded, nodeUrls?: string[]): FanoutPlan => ({
      ...(nodeUrls ? { nodeUrls } : {}),
      scenario: "fanout",
      target,
      url,
      proc: 0,
      taskId: s.taskId,
      conversationId: s.conversationId,
      senderToken: s.tokens[0]!,
      receiverTokens: s.tokens.slice(1),
      window: WINDOW,
    });
    const rate = (d: Driven) => sum(d.results, "delivered") / seconds(d.results, "window");
    const cpuPerNotification = (d: Driven) => (serverCpuSeconds(d, "start", "end") * 1e6) / sum(d.results, "delivered");

    const { result: runs } = await ctx.withHub(
      "fanout",
      async (s): Promise<Seeded> => {
        const agents = await seedAgents(s, PARTICIPANTS, "fan");
        const c = await seedConversation(s, agents);
        return { taskId: c.taskId, conversationId: c.conversationId, tokens: agents.map((a) => a.token) };
      },
      (hubServer, seeded, nodes) =>
        ctx.withBare("relay", "fanout", async (bareServer) => {
          const nodeUrls = nodes.length > 1 ? nodes.map((n) => n.url) : undefined;
          const hub = await Loads.start(
            hubServer,
            [plan("hub", hubServer.url, seeded, nodeUrls)],
            ctx.dir,
            "fanout-hub",
          );
          const bare = await Loads.start(bareServer, [plan("bare", bareServer.url, seeded)], ctx.dir, "fanout-bare");
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
    const [hubCpu, bareCpu] = [median(runs.hub.map(cpuPerNotification)), median(runs.bare.map(cpuPerNotification))];
    const notes: string[] = [];
    const all = [...runs.hub, ...runs.bare].flatMap((d) => d.results);
    const errors = allErrors(all);
    if (errors.length > 0) notes.push(`errors: ${errors.join(" | ")}`);
    const closed = all.filter((r) => (r.counts.closed ?? 0) > 0);
    if (closed.length > 0)
      notes.push(`sockets closed by the server (first close code ${closed[0]!.counts.firstCloseCode})`);
    const perRound = async (ds: Driven[]) => ({
      notificationsPerSecond: ds.map((d) => round(rate(d), 0)),
      messagesPerSecond: ds.map((d) => round(sum(d.results, "acked") / seconds(d.results, "window"), 0)),
      usage: await Promise.all(ds.map((d) => usage(d, "start", "end"))),
    });
    return {
      rows: [
        {
          scenario: ctx.label("2 fan-out"),
          figure: "message/received delivered",
          unit: "notif/s",
          hub: median(hubRates),
          bare: median(bareRates),
          ratio,
          target: "≥ 0.6 × bare broadcast",
          met: ratio >= 0.6 && notes.length === 0,
        },
        {
          scenario: ctx.label("2 fan-out"),
          figure:
            ctx.options.nodes > 1 && ctx.options.db === "postgres"
              ? "server CPU per notification (sender's node only)"
              : "server CPU per notification",
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
        participants: PARTICIPANTS,
        window: WINDOW,
        rounds,
        ...timing,
        hub: await perRound(runs.hub),
        bare: await perRound(runs.bare),
        ratios: hubRates.map((h, i) => round(h / bareRates[i]!, 3)),
      },
      notes,
      profile: { fanout: runs.hub.map((d) => between(d, "start", "end")) },
    };
  },
};
