import type { ConnectionsPlan, LoadResult, MarkFn, Runner } from "../lib/plan.ts";
import { connectAgent, Errors, pool, sleep, type Conn } from "./conn.ts";

/**
 * Scenario 4: open one socket per token and authenticate it with
 * auth/connect, `concurrency` at a time; the figure is sockets authenticated
 * per second. Then they idle for `holdMs` and every one must still be open.
 * The server is measured (after a garbage collection) at the waiting marks
 * `before` and `held`.
 */
export const prepareConnections = async (plan: ConnectionsPlan, mark: MarkFn): Promise<Runner> => {
  const errors = new Errors();
  let conns: Array<Conn | undefined> = [];
  return {
    async step(): Promise<LoadResult> {
      await mark("before", true);
      await mark("start");
      const t0 = performance.now();
      conns = await pool(plan.tokens, plan.concurrency, async (token): Promise<Conn | undefined> => {
        try {
          return await connectAgent(plan.url, token);
        } catch (err) {
          errors.add(err instanceof Error ? err.message : String(err));
          return undefined;
        }
      });
      const t1 = performance.now();
      await mark("connected");
      await sleep(plan.holdMs);
      await mark("held", true);
      const open = conns.filter((c): c is Conn => c !== undefined);
      const dropped = open.filter((c) => c.closed !== undefined);
      for (const c of dropped.slice(0, 3)) errors.add(`closed during hold: ${c.closed!.code} ${c.closed!.reason}`);
      return {
        counts: {
          wanted: plan.tokens.length,
          opened: open.length,
          held: open.length - dropped.length,
          errors: errors.count,
        },
        samples: {},
        seconds: { connect: (t1 - t0) / 1000 },
        errors: errors.seen,
      };
    },
    close() {
      for (const c of conns) c?.close();
    },
  };
};
