import type { LatencyPlan, LoadResult } from "../lib/plan.ts";
import { readStamp, sendFrame, stampedText } from "../lib/wire.ts";
import { connectAgent, Errors, pool, sleep, withGroup } from "./conn.ts";

/**
 * Scenario 3: an open-loop offered load. A 1 ms timer sends whatever is due
 * at `rate` messages per second, round-robin over the sockets of the
 * two-agent conversations, whatever the answers. Each message's text carries
 * its send time; send→ack is timed at the sender, send→delivery at the
 * partner's socket (same process, same clock). Only messages sent inside the
 * measured window are sampled.
 */
export const prepareLatency = async (plan: LatencyPlan, mark: (name: string) => void) => {
  const errors = new Errors();
  const agents = plan.pairs.flatMap((pair, i) =>
    pair.tokens.map((token) => ({ pair, token, group: `l${plan.proc}-${i}` })),
  );
  const conns = await pool(agents, 32, (a) => connectAgent(withGroup(plan.url, plan.target, a.group), a.token));
  const ack: number[] = [];
  const delivery: number[] = [];
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  let sent = 0;
  let sentInWindow = 0;
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
    async run(): Promise<LoadResult> {
      const start = performance.now();
      let stopAt = Number.POSITIVE_INFINITY;
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.floor((Math.min(now, stopAt) - start) * (plan.rate / 1000));
        while (sent < due) {
          const t = performance.now();
          senders[sent % senders.length]!(t);
          sent++;
          if (inWindow(t)) sentInWindow++;
        }
      }, 1);
      await sleep(plan.warmupMs);
      mark("start");
      windowStart = performance.now();
      await sleep(plan.durationMs);
      windowEnd = performance.now();
      mark("end");
      stopAt = windowEnd;
      await sleep(5);
      clearInterval(timer);
      for (let i = 0; i < 200 && (acked < sent || delivered < sent); i++) await sleep(25);
      const closed = conns.filter((c) => c.closed).length;
      for (const c of conns) c.close();
      return {
        counts: {
          offered: plan.rate,
          sent: sentInWindow,
          acked,
          delivered,
          unanswered: sent - acked,
          errors: errors.count,
          closed,
        },
        samples: { ack, delivery },
        seconds: { window: (windowEnd - windowStart) / 1000 },
        errors: errors.seen,
      };
    },
  };
};
