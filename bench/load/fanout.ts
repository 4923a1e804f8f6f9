import type { FanoutPlan, LoadResult } from "../lib/plan.ts";
import { sendFrame, stampedText } from "../lib/wire.ts";
import { connectAgent, Errors, pool, sleep, withGroup } from "./conn.ts";

/**
 * Scenario 2: one sender pipelines messages/send into a conversation whose
 * other participants each hold a socket; the figure is the notifications
 * delivered per second across them. A message counts as in flight until it
 * is acknowledged and, on average, delivered to every receiver, so that
 * buffers stay bounded whichever side is slower.
 */
export const prepareFanout = async (plan: FanoutPlan, mark: (name: string) => void) => {
  const errors = new Errors();
  const url = withGroup(plan.url, plan.target, "fanout");
  const receivers = await pool(plan.receiverTokens, 32, (token) => connectAgent(url, token));
  const sender = await connectAgent(url, plan.senderToken);
  const perMessage = receivers.length;
  let running = false;
  let sent = 0;
  let acked = 0;
  let delivered = 0;
  const frame = sendFrame(plan.taskId, plan.conversationId);
  const text = stampedText(0);
  const pump = () => {
    while (running && sent - Math.min(acked, Math.floor(delivered / perMessage)) < plan.window) {
      sent++;
      sender.send(frame(sender.takeId(), text));
    }
  };
  sender.onResult = (_id, ok, b) => {
    if (ok) acked++;
    else errors.add(b.toString("utf8"));
    pump();
  };
  sender.onNotification = (b) => errors.add(`sender got ${b.toString("utf8", 0, 120)}`);
  for (const r of receivers) {
    r.onNotification = () => {
      delivered++;
      pump();
    };
    r.onOther = (b) => errors.add(b.toString("utf8"));
  }

  return {
    async run(): Promise<LoadResult> {
      running = true;
      pump();
      await sleep(plan.warmupMs);
      mark("start");
      const [s0, a0, d0, t0] = [sent, acked, delivered, performance.now()];
      await sleep(plan.durationMs);
      const [s1, a1, d1, t1] = [sent, acked, delivered, performance.now()];
      mark("end");
      running = false;
      for (let i = 0; i < 200 && (acked < sent || delivered < sent * perMessage); i++) await sleep(50);
      const closed = [sender, ...receivers].filter((c) => c.closed).length;
      const closeCodes = [sender, ...receivers].flatMap((c) => (c.closed ? [c.closed.code] : []));
      for (const c of [sender, ...receivers]) c.close();
      return {
        counts: {
          sent: s1 - s0,
          acked: a1 - a0,
          delivered: d1 - d0,
          receivers: perMessage,
          errors: errors.count,
          closed,
          undelivered: sent * perMessage - delivered,
          firstCloseCode: closeCodes[0] ?? 0,
        },
        samples: {},
        seconds: { window: (t1 - t0) / 1000 },
        errors: errors.seen,
      };
    },
  };
};
