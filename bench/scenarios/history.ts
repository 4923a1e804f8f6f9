import { allErrors, between, drive, samples, seconds, sum, type Driven } from "../lib/drive.ts";
import type { HistoryPlan, Target } from "../lib/plan.ts";
import { quantile, ratioOf, sortedCopy } from "../lib/report.ts";
import { stampedText } from "../lib/wire.ts";
import { seedAgents, seedConversation, seedMessages } from "../seed.ts";
import { round, usage, type Context, type Scenario } from "./context.ts";

const LIMIT = 50;

export const history: Scenario = {
  name: "history",
  title: "History: messages/list on a big conversation, and auth/connect {resumeAfter} replay",
  async run(ctx: Context) {
    const messages = ctx.quick ? 100_000 : 1_000_000;
    const events = ctx.quick ? 20_000 : 100_000;
    const pages = ctx.quick ? 300 : 2000;
    interface Seeded {
      taskId: string;
      conversationId: string;
      sender: string;
      reader: string;
      lastCursor: number;
    }
    const plan = (target: Target, url: string, s: Seeded): HistoryPlan => ({
      scenario: "history",
      target,
      url,
      proc: 0,
      token: s.sender,
      taskId: s.taskId,
      conversationId: s.conversationId,
      messages,
      pages,
      limit: LIMIT,
      replay: { token: s.reader, resumeAfter: s.lastCursor - events, events, lastCursor: s.lastCursor },
    });

    const hub = await ctx.withHub(
      "history",
      async (s): Promise<Seeded> => {
        const [a, b] = await seedAgents(s, 2, "hist");
        const c = await seedConversation(s, [a!, b!]);
        const text = stampedText(0);
        const last = await seedMessages(
          s,
          c,
          a!.id,
          messages,
          () => text,
          (n) => ctx.log(`  seeded ${n.toLocaleString("en-US")} messages`),
        );
        return {
          taskId: c.taskId,
          conversationId: c.conversationId,
          sender: a!.token,
          reader: b!.token,
          lastCursor: last.get(b!.id)!,
        };
      },
      (server, seeded) => drive(server, [plan("hub", server.url, seeded)], ctx.dir, "history-hub"),
    );
    const bare = await ctx.withBare("echo", "history", (server) =>
      drive(server, [plan("bare", server.url, hub.seeded)], ctx.dir, "history-bare"),
    );

    const list = (d: Driven) => sortedCopy(samples(d.results, "list"));
    const [hl, bl] = [list(hub.result), list(bare)];
    const replayRate = (d: Driven) => sum(d.results, "replayed") / seconds(d.results, "replay");
    const [hr, br] = [replayRate(hub.result), replayRate(bare)];
    const notes: string[] = [];
    const r = hub.result.results[0]!;
    if (r.counts.outOfOrder !== 0 || r.counts.lastCursor !== r.counts.expectedLastCursor) {
      notes.push(
        `hub replay: ${r.counts.outOfOrder} events out of order, last cursor ${r.counts.lastCursor} (expected ${r.counts.expectedLastCursor})`,
      );
    }
    const errors = allErrors([...hub.result.results, ...bare.results]);
    if (errors.length > 0) notes.push(`errors: ${errors.join(" | ")}`);
    const p50 = [quantile(hl, 0.5), quantile(bl, 0.5)] as const;
    const p99 = [quantile(hl, 0.99), quantile(bl, 0.99)] as const;
    const scale = `${(messages / 1e6).toLocaleString("en-US")}M msgs`;
    return {
      rows: [
        {
          scenario: ctx.label(`5 history (${scale})`),
          figure: `messages/list page of ${LIMIT}, p50`,
          unit: "ms",
          hub: p50[0],
          bare: p50[1],
          ratio: ratioOf(...p50),
          target: "< 2 ms",
          met: p50[0] < 2,
        },
        {
          scenario: ctx.label(`5 history (${scale})`),
          figure: `messages/list page of ${LIMIT}, p99`,
          unit: "ms",
          hub: p99[0],
          bare: p99[1],
          ratio: ratioOf(...p99),
          target: "< 2 ms",
          met: p99[0] < 2,
        },
        {
          scenario: ctx.label(`5 history (${scale})`),
          figure: `replay of ${events.toLocaleString("en-US")} events`,
          unit: "events/s",
          hub: hr,
          bare: br,
          ratio: ratioOf(hr, br),
          target: "≥ 100,000/s",
          met: hr >= 100_000 && notes.length === 0,
        },
      ],
      detail: {
        messages,
        events,
        pages,
        limit: LIMIT,
        hub: {
          counts: r.counts,
          seconds: r.seconds,
          pagesUsage: await usage(hub.result, "pages", "replay"),
          replayUsage: await usage(hub.result, "replay", "end"),
        },
        bare: {
          counts: bare.results[0]?.counts,
          seconds: bare.results[0]?.seconds,
          replayUsage: await usage(bare, "replay", "end"),
        },
      },
      notes,
      profile: {
        "history-list": [between(hub.result, "pages", "replay")],
        "history-replay": [between(hub.result, "replay", "end")],
      },
    };
  },
};
