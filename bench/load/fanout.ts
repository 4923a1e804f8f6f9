import type { FanoutPlan, LoadResult, MarkFn, Runner, StepArgs } from "../lib/plan.ts";
import { sendFrame, stampedText } from "../lib/wire.ts";
import { connectAgent, Errors, pool, sleep, withGroup } from "./conn.ts";

/**
 * Scenario 2: one sender pipelines messages/send into a conversation whose
 * other participants each hold a socket; the figure is the notifications
 * delivered per second across them. A message counts as in flight until it
 * is acknowledged and, on average, delivered to every receiver, so that
 * buffers stay bounded whichever side is slower.
 */
export const prepareFanout = async (plan: FanoutPlan, mark: MarkFn): Promise<Runner> => {
  const url = withGroup(plan.url, plan.target, "fanout");
  // several nodes: the sender on the first, the receivers spread over the others
  const others = plan.nodeUrls && plan.nodeUrls.length > 1 ? plan.nodeUrls.slice(1) : [url];
  const receivers = await pool(
    plan.receiverTokens.map((token, j) => ({ token, url: others[j % others.length]! })),
    32,
    (r) => connectAgent(r.url, r.token),
  );
  const sender = await connectAgent(url, plan.senderToken);
  const all = [sender, ...receivers];
  const perMessage = receivers.length;
  let errors = new Errors();
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
    async step(_name: string, args: StepArgs): Promise<LoadResult> {
      errors = new Errors();
      running = true;
      pump();
      await sleep(args.warmupMs ?? 0);
      await mark("start");
      const [s0, a0, d0, t0] = [sent, acked, delivered, performance.now()];
      await sleep(args.durationMs ?? 0);
      const [s1, a1, d1, t1] = [sent, acked, delivered, performance.now()];
      await mark("end");
      running = false;
      for (let i = 0; i < 400 && (acked < sent || delivered < sent * perMessage); i++) await sleep(25);
      const closed = all.filter((c) => c.closed);
      return {
        counts: {
          sent: s1 - s0,
          acked: a1 - a0,
          delivered: d1 - d0,
          receivers: perMessage,
          errors: errors.count,
          closed: closed.length,
          undelivered: sent * perMessage - delivered,
          firstCloseCode: closed[0]?.closed?.code ?? 0,
        },
        samples: {},
        seconds: { window: (t1 - t0) / 1000 },
        errors: errors.seen,
      };
    },
    close() {
      for (const c of all) c.close();
    },
  };
};
