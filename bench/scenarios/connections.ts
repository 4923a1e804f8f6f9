import { allErrors, between, drive, seconds, sum, type Driven } from "../lib/drive.ts";
import type { ConnectionsPlan, Target } from "../lib/plan.ts";
import type { Server } from "../lib/procs.ts";
import { ratioOf } from "../lib/report.ts";
import { seedAgents } from "../seed.ts";
import { round, split, usage, type Context, type Scenario } from "./context.ts";

const CONCURRENCY = 100;

export const connections: Scenario = {
  name: "connections",
  title: "Connections: idle authenticated agent sockets",
  async run(ctx: Context) {
    const count = ctx.quick ? 2000 : 10_000;
    const holdMs = ctx.quick ? 2000 : 5000;
    const procs = ctx.loadProcs(1);
    const plans = (target: Target, url: string, tokens: string[]): ConnectionsPlan[] => {
      const parts = split(tokens, procs);
      return parts.map((part, proc) => ({
        scenario: "connections",
        target,
        url,
        proc,
        tokens: part,
        concurrency: Math.ceil(CONCURRENCY / parts.length),
        holdMs,
      }));
    };
    /** RSS from /proc, both readings taken right after a full garbage collection in the server. */
    const figures = (d: Driven) => {
      const before = d.marks.get("before")!;
      const held = d.marks.get("held")!;
      const n = sum(d.results, "held");
      const heap = (m: typeof before) => {
        const u = m.extra as NodeJS.MemoryUsage | undefined;
        return u ? u.heapUsed + u.external : Number.NaN;
      };
      return {
        rate: sum(d.results, "opened") / seconds(d.results, "connect"),
        held: n,
        errors: sum(d.results, "errors"),
        rssBeforeMiB: round(before.server.rssBytes / 2 ** 20, 1),
        rssHeldMiB: round(held.server.rssBytes / 2 ** 20, 1),
        kbPerConnection: n > 0 ? (held.server.rssBytes - before.server.rssBytes) / n / 1024 : Number.NaN,
        heapKbPerConnection: n > 0 ? round((heap(held) - heap(before)) / n / 1024, 2) : Number.NaN,
      };
    };
    const collect = (server: Server) => (): Promise<unknown> => server.collect!();

    const hub = await ctx.withHub(
      "connections",
      async (s) => (await seedAgents(s, count, "idle")).map((a) => a.token),
      (server, tokens) => drive(server, plans("hub", server.url, tokens), ctx.dir, "connections-hub", collect(server)),
      { inspect: true },
    );
    const bare = await ctx.withBare(
      "echo",
      "connections",
      (server) => drive(server, plans("bare", server.url, hub.seeded), ctx.dir, "connections-bare", collect(server)),
      { inspect: true },
    );
    const h = figures(hub.result);
    const b = figures(bare);
    const errors = allErrors([...hub.result.results, ...bare.results]);
    return {
      rows: [
        {
          scenario: ctx.label("4 connections"),
          figure: "connect + auth/connect",
          unit: "conn/s",
          hub: h.rate,
          bare: b.rate,
          ratio: ratioOf(h.rate, b.rate),
          target: "",
          met: null,
        },
        {
          scenario: ctx.label("4 connections"),
          figure: "RSS per idle connection",
          unit: "KB",
          hub: h.kbPerConnection,
          bare: b.kbPerConnection,
          ratio: ratioOf(h.kbPerConnection, b.kbPerConnection),
          target: "≤ 40 KB",
          met: h.kbPerConnection <= 40,
        },
        {
          scenario: ctx.label("4 connections"),
          figure: "sockets held, no errors",
          unit: "",
          hub: h.held,
          bare: b.held,
          ratio: null,
          target: `${count.toLocaleString("en-US")}, 0 errors`,
          met: h.held === count && h.errors === 0,
        },
      ],
      detail: {
        connections: count,
        concurrency: CONCURRENCY,
        holdMs,
        loadProcesses: procs,
        hub: { ...h, usage: await usage(hub.result, "start", "connected") },
        bare: { ...b, usage: await usage(bare, "start", "connected") },
      },
      notes: errors.length > 0 ? [`errors: ${errors.join(" | ")}`] : [],
      profile: { connections: [between(hub.result, "start", "connected")] },
    };
  },
};
