import type { LatencyPlan, LoadResult, MarkFn, Runner, StepArgs } from "../lib/plan.ts";
import { readStamp, sendFrame, stampedText } from "../lib/wire.ts";
import { connectAgent, Errors, pairNode, pool, sleep, withGroup } from "./conn.ts";

/**
 * Scenario 3: an open-loop offered load. A 1 ms timer sends whatever is due
 * at `rate` messages per second, round-robin over the sockets of the
 * two-agent conversations, whatever the answers. Each message's text carries
 * its send time; send→ack is timed at the sender, send→delivery at the
 * partner's socket (same process, same clock). Only messages sent inside the
 * measured window are sampled.
 */
export const prepareLatency = async (plan: LatencyPlan, mark: MarkFn): Promise<Runner> => {
  const agents = plan.pairs.flatMap((pair, i) =>
    pair.tokens.map((token, k) => ({
      pair,
      token,
      group: `l${plan.proc}-${i}`,
      url: pairNode(plan.url, plan.nodeUrls, i, k),
    })),
  );
  const conns = await pool(agents, 32, (a) => connectAgent(withGroup(a.url, plan.target, a.group), a.token));
  let errors = new Errors();
  let ack: number[] = [];
  let delivery: number[] = [];
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  let sent = 0;
  let acked = 0;
  let delivered = 0;
  const senders = conns.map((conn, i) => {
    const a = agents[i]!;
    const frame = sendFrame(a.pair.taskId, a.pair.conversationId);
    const pending = new Map<number, number>();
    conn.onResult = (id, ok, b) => {
      const now = performance.now();
      const t = pending.get(id);
      pending.delete(id);
      acked++;
      if (!ok) errors.add(b.toString("utf8"));
      else if (t !== undefined && inWindow(t)) ack.push(now - t);
    };
    conn.onNotification = (b) => {
      const now = performance.now();
      delivered++;
      const t = readStamp(b);
      if (inWindow(t)) delivery.push(now - t);
    };
    conn.onOther = (b) => errors.add(b.toString("utf8"));
    return (t: number) => {
      const id = conn.takeId();
      pending.set(id, t);
      conn.send(frame(id, stampedText(t)));
    };
  });

  return {
    async step(_name: string, args: StepArgs): Promise<LoadResult> {
      errors = new Errors();
      ack = [];
      delivery = [];
      windowStart = windowEnd = Number.POSITIVE_INFINITY;
      const rate = args.rate ?? 1000;
      const first = sent;
      let sentInWindow = 0;
      const start = performance.now();
      let stopAt = Number.POSITIVE_INFINITY;
      const timer = setInterval(() => {
        const now = performance.now();
        const due = first + Math.floor((Math.min(now, stopAt) - start) * (rate / 1000));
        while (sent < due) {
          const t = performance.now();
          senders[sent % senders.length]!(t);
          sent++;
          if (inWindow(t)) sentInWindow++;
        }
      }, 1);
      await sleep(args.warmupMs ?? 0);
      await mark("start");
      windowStart = performance.now();
      await sleep(args.durationMs ?? 0);
      windowEnd = performance.now();
      await mark("end");
      stopAt = windowEnd;
      await sleep(5);
      clearInterval(timer);
      for (let i = 0; i < 400 && (acked < sent || delivered < sent); i++) await sleep(25);
      return {
        counts: {
          offered: rate,
          sent: sentInWindow,
          unanswered: sent - acked,
          undelivered: sent - delivered,
          errors: errors.count,
          closed: conns.filter((c) => c.closed).length,
        },
        samples: { ack, delivery },
        seconds: { window: (windowEnd - windowStart) / 1000 },
        errors: errors.seen,
      };
    },
    close() {
      for (const c of conns) c.close();
    },
  };
};
