import type { HistoryPlan, LoadResult, MarkFn, Runner } from "../lib/plan.ts";
import { readCursor } from "../lib/wire.ts";
import { Conn, connectAgent, Errors, sleep } from "./conn.ts";

/**
 * Scenario 5: (a) one socket asks for `pages` messages/list pages, one at a
 * time, each ending before a random seq of the big conversation; the figure
 * is the round trip of a page. (b) a second agent resumes with
 * `auth/connect {resumeAfter}` and the figure is the replayed events per
 * second until the last expected cursor has arrived, in order.
 */
export const prepareHistory = async (plan: HistoryPlan, mark: MarkFn): Promise<Runner> => {
  const errors = new Errors();
  const conn = await connectAgent(plan.url, plan.token);
  const head = `,"method":"messages/list","params":{"taskId":${JSON.stringify(plan.taskId)},"conversationId":${JSON.stringify(plan.conversationId)},"limit":${plan.limit},"beforeSeq":`;
  let answer: ((ok: boolean, bytes: number, b: Buffer) => void) | undefined;
  conn.onResult = (_id, ok, b) => answer?.(ok, b.length, b);
  conn.onOther = (b) => errors.add(b.toString("utf8"));
  const page = (beforeSeq: number) =>
    new Promise<{ ms: number; ok: boolean; bytes: number }>((resolve) => {
      const t = performance.now();
      answer = (ok, bytes, b) => {
        const ms = performance.now() - t;
        if (!ok) errors.add(b.toString("utf8"));
        resolve({ ms, ok, bytes });
      };
      conn.send(`{"jsonrpc":"2.0","id":${conn.takeId()}${head}${beforeSeq}}}`);
    });
  // a full page ends anywhere from seq limit+1 to one past the newest
  const randomBefore = () => plan.limit + 1 + Math.floor(Math.random() * (plan.messages - plan.limit + 1));

  const replay = () =>
    new Promise<{ seconds: number; firstMs: number; received: number; outOfOrder: number; last: number }>(
      (resolve, reject) => {
        const t0 = performance.now();
        let first = 0;
        let received = 0;
        let outOfOrder = 0;
        let last = plan.replay.resumeAfter;
        const timeout = setTimeout(
          () => reject(new Error(`replay incomplete after 120 s: ${received} events`)),
          120_000,
        );
        void Conn.open(plan.url).then((c) => {
          c.onNotification = (b) => {
            if (received++ === 0) first = performance.now() - t0;
            const cursor = readCursor(b);
            if (!(cursor > last)) outOfOrder++;
            last = cursor;
            if (received === plan.replay.events) {
              clearTimeout(timeout);
              resolve({ seconds: (performance.now() - t0) / 1000, firstMs: first, received, outOfOrder, last });
              c.close();
            }
          };
          c.call("auth/connect", {
            token: plan.replay.token,
            resumeAfter: String(plan.replay.resumeAfter),
            ...(plan.target === "bare" ? { _replay: plan.replay.events } : {}),
          }).catch((err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
        }, reject);
      },
    );

  return {
    async step(): Promise<LoadResult> {
      for (let i = 0; i < Math.min(200, plan.pages); i++) await page(randomBefore());
      await mark("pages");
      const list: number[] = [];
      let bytes = 0;
      const t0 = performance.now();
      for (let i = 0; i < plan.pages; i++) {
        const r = await page(randomBefore());
        list.push(r.ms);
        bytes += r.bytes;
      }
      const t1 = performance.now();
      await mark("replay");
      await sleep(200);
      const r = await replay();
      await mark("end");
      return {
        counts: {
          pages: plan.pages,
          pageBytes: Math.round(bytes / plan.pages),
          replayed: r.received,
          outOfOrder: r.outOfOrder,
          lastCursor: r.last,
          expectedLastCursor: plan.replay.lastCursor,
          errors: errors.count,
        },
        samples: { list },
        seconds: { pages: (t1 - t0) / 1000, replay: r.seconds, replayFirstEvent: r.firstMs / 1000 },
        errors: errors.seen,
      };
    },
    close() {
      conn.close();
    },
  };
};
