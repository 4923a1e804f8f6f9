import { allErrors, between, drive, seconds, sum, type Driven } from "../lib/drive.ts";
import type { FanoutPlan, Target } from "../lib/plan.ts";
import { ratioOf } from "../lib/report.ts";
import { seedAgents, seedConversation } from "../seed.ts";
import { round, usage, type Context, type Scenario } from "./context.ts";

const PARTICIPANTS = 200;
const WINDOW = 8;

export const fanout: Scenario = {
  name: "fanout",
  title: "Fan-out: one sender into a conversation of 200 participants",
  async run(ctx: Context) {
    const timing = ctx.quick ? { warmupMs: 1000, durationMs: 3000 } : { warmupMs: 3000, durationMs: 10_000 };
    interface Seeded {
      taskId: string;
      conversationId: string;
      tokens: string[];
    }
    const plan = (target: Target, url: string, s: Seeded): FanoutPlan => ({
      scenario: "fanout",
      target,
      url,
      proc: 0,
      taskId: s.taskId,
      conversationId: s.conversationId,
      senderToken: s.tokens[0]!,
      receiverTokens: s.tokens.slice(1),
      window: WINDOW,
      ...timing,
    });
    const rate = (d: Driven) => sum(d.results, "delivered") / seconds(d.results, "window");

    const hub = await ctx.withHub(
      "fanout",
      (s): Seeded => {
        const agents = seedAgents(s, PARTICIPANTS, "fan");
        const c = seedConversation(s, agents);
        return { taskId: c.taskId, conversationId: c.conversationId, tokens: agents.map((a) => a.token) };
      },
      (server, seeded) => drive(server, [plan("hub", server.url, seeded)], ctx.dir, "fanout-hub"),
    );
    const bare = await ctx.withBare("relay", "fanout", (server) =>
      drive(server, [plan("bare", server.url, hub.seeded)], ctx.dir, "fanout-bare"),
    );

    const hubRate = rate(hub.result);
    const bareRate = rate(bare);
    const ratio = ratioOf(hubRate, bareRate);
    const notes: string[] = [];
    const errors = allErrors([...hub.result.results, ...bare.results]);
    if (errors.length > 0) notes.push(`errors: ${errors.join(" | ")}`);
    for (const [who, d] of [
      ["hub", hub.result],
      ["bare", bare],
    ] as const) {
      if (sum(d.results, "closed") > 0) {
        notes.push(
          `${who}: ${sum(d.results, "closed")} sockets closed (first code ${d.results[0]?.counts.firstCloseCode})`,
        );
      }
    }
    const detailOf = async (d: Driven) => ({
      messagesPerSecond: round(sum(d.results, "acked") / seconds(d.results, "window"), 0),
      counts: d.results[0]?.counts,
      usage: await usage(d, "start", "end"),
    });
    return {
      rows: [
        {
          scenario: "2 fan-out",
          figure: "message/received delivered",
          unit: "notif/s",
          hub: hubRate,
          bare: bareRate,
          ratio,
          target: "≥ 0.6 × bare broadcast",
          met: ratio !== null && ratio >= 0.6 && notes.length === 0,
        },
      ],
      detail: {
        participants: PARTICIPANTS,
        window: WINDOW,
        ...timing,
        hub: await detailOf(hub.result),
        bare: await detailOf(bare),
      },
      notes,
      profile: { fanout: [between(hub.result, "start", "end")] },
    };
  },
};
