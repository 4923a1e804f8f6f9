import type { Storage } from "../storage/index.ts";
import type { Metrics } from "./metrics.ts";
import type { Session } from "./session.ts";
import { framePrefix, frameSuffix } from "./fanout.ts";

export type ResumePlan =
  { readonly kind: "replay"; readonly after: number } | { readonly kind: "expired"; readonly oldestCursor: number };

/**
 * Whether a log can continue after `after` without a gap: it cannot when
 * entries above `after` were already dropped (`floor`, the highest dropped
 * cursor, is above it). `0` always means "from the oldest retained".
 */
export const planResume = (after: number, floor: number, oldestRetained: number | undefined): ResumePlan =>
  after !== 0 && after < floor ? { kind: "expired", oldestCursor: oldestRetained ?? floor } : { kind: "replay", after };

const PAGE = 1000;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Push a socket's missed events, in order, then make it live. Pages are read
 * from the log while the socket drains; events committed meanwhile land in
 * the log and are read by a later page, so the switch to live (made in the
 * same synchronous step as the last read) neither skips nor repeats one.
 */
export const replayInto = async (
  session: Session,
  storage: Storage,
  metrics: Metrics,
  after: number,
  lowWater: number,
) => {
  const principal = session.principal!.id;
  session.live = false;
  let cursor = after;
  for (;;) {
    if (session.closed) return;
    const rows = storage.events.after(principal, cursor, PAGE);
    let sent = 0;
    while (sent < rows.length) {
      const r = rows[sent++]!;
      session.send(framePrefix(r.method) + r.cursor + frameSuffix(r.params));
      cursor = r.cursor;
      if (session.buffered > lowWater) break;
    }
    metrics.notificationsSent.inc(sent);
    if (sent === rows.length && rows.length < PAGE) {
      session.lastCursor = Math.max(session.lastCursor, cursor);
      session.live = true;
      return;
    }
    while (!session.closed && session.buffered > lowWater) await wait(5);
  }
};
