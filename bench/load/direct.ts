import type { DirectPlan, LoadResult, MarkFn, Runner, StepArgs } from "../lib/plan.ts";
import { sendFrame, stampedText } from "../lib/wire.ts";
import { connectAgent, Errors, pairNode, pool, sleep, withGroup, type Conn } from "./conn.ts";

/**
 * Scenario 1: every agent of every two-agent conversation pipelines
 * messages/send, `window` requests in flight per socket; the figure is the
 * acknowledged sends per second. Notifications to the partner are counted,
 * not parsed. Each step is one measured window; between windows the sockets
 * stay open and idle.
 */
export const prepareDirect = async (plan: DirectPlan, mark: MarkFn): Promise<Runner> => {
  const agents = plan.pairs.flatMap((pair, i) =>
    pair.tokens.map((token, k) => ({
      pair,
      token,
      group: `d${plan.proc}-${i}`,
      url: pairNode(plan.url, plan.nodeUrls, i, k),
    })),
  );
  const conns = await pool(agents, 32, (a) => connectAgent(withGroup(a.url, plan.target, a.group), a.token));
  let errors = new Errors();
  let running = false;
  let acked = 0;
  let delivered = 0;
  let inFlight = 0;
  const text = stampedText(0);
  const pumps = conns.map((conn: Conn, i) => {
    const a = agents[i]!;
    const frame = sendFrame(a.pair.taskId, a.pair.conversationId);
    let mine = 0;
    const pump = () => {
      while (running && mine < plan.window) {
        mine++;
        inFlight++;
        conn.send(frame(conn.takeId(), text));
      }
    };
    conn.onResult = (_id, ok, b) => {
      mine--;
      inFlight--;
      if (ok) acked++;
      else errors.add(b.toString("utf8"));
      pump();
    };
    conn.onNotification = () => delivered++;
    conn.onOther = (b) => errors.add(b.toString("utf8"));
    return pump;
  });

  return {
    async step(_name: string, args: StepArgs): Promise<LoadResult> {
      errors = new Errors();
      running = true;
      for (const pump of pumps) pump();
      await sleep(args.warmupMs ?? 0);
      await mark("start");
      const [a0, d0, t0] = [acked, delivered, performance.now()];
      await sleep(args.durationMs ?? 0);
      const [a1, d1, t1] = [acked, delivered, performance.now()];
      await mark("end");
      running = false;
      for (let i = 0; i < 400 && inFlight > 0; i++) await sleep(25);
      return {
        counts: {
          acked: a1 - a0,
          delivered: d1 - d0,
          errors: errors.count,
          closed: conns.filter((c) => c.closed).length,
          unanswered: inFlight,
        },
        samples: {},
        seconds: { window: (t1 - t0) / 1000 },
        errors: errors.seen,
      };
    },
    close() {
      for (const c of conns) c.close();
    },
  };
};
