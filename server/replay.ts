import type { Raise } from "../protocol/index.ts";
import type { LogPosition, Storage } from "../storage/index.ts";
import type { Metrics } from "./metrics.ts";
import type { Session } from "./session.ts";
import { framePrefix, frameSuffix } from "./fanout.ts";

export type ResumePlan =
  | { readonly kind: "replay"; readonly after: number }
  /** Entries after the cursor were dropped (acknowledged or past retention). */
  | { readonly kind: "expired"; readonly oldestCursor: number }
  /** The cursor is beyond the log: it came from another log (a restored backup, another hub). */
  | { readonly kind: "ahead"; readonly oldestCursor: number };

/**
 * Whether a log can continue after `after` without a gap. It cannot when
 * entries above `after` were already dropped, nor when `after` lies beyond
 * the newest entry: events appended later would get cursors the client takes
 * for ones it has seen. `0` always means "from the oldest retained".
 */
export const planResume = (after: number, log: LogPosition): ResumePlan => {
  const oldestCursor = log.oldest ?? log.newest;
  if (after > log.newest) return { kind: "ahead", oldestCursor };
  if (after !== 0 && after < log.floor) return { kind: "expired", oldestCursor };
  return { kind: "replay", after };
};

/**
 * The cursor to replay after, or Conflict `cursor_expired` (10.9) telling the
 * client to resynchronise from the list methods: the one answer a client
 * written to the contract knows how to act on, for both ways a cursor can
 * stop being usable.
 */
export const resumePoint = (after: number, log: LogPosition, raise: Raise<"Conflict">): number => {
  const plan = planResume(after, log);
  if (plan.kind === "replay") return plan.after;
  return raise(
    "Conflict",
    { reason: "cursor_expired", oldestCursor: String(plan.oldestCursor) },
    plan.kind === "expired"
      ? "Events after this cursor are no longer retained; resynchronise from the list methods and continue without a cursor."
      : "This cursor is beyond the newest event of your log (from a restored backup or another hub); resynchronise from the list methods and continue without a cursor.",
  );
};

const PAGE = 1000;

/**
 * Push a socket's missed events, in order, then make it live. Pages are read
 * from the log while the socket drains; events committed meanwhile land in
 * the log and are read by a later page. The fan-out marks the socket
 * `missedLive` when it passes over it; a last page read while that happened
 * is followed by another read, so the switch to live neither skips nor
 * repeats an event, even when reading the log takes a round trip.
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
    session.missedLive = false;
    const rows = await storage.events.after(principal, cursor, PAGE);
    let sent = 0;
    while (sent < rows.length) {
      const r = rows[sent++]!;
      session.send(framePrefix(r.method) + r.cursor + frameSuffix(r.params));
      cursor = r.cursor;
      if (session.buffered > lowWater) break;
    }
    metrics.notificationsSent.inc(sent);
    if (sent === rows.length && rows.length < PAGE && !session.missedLive) {
      session.lastCursor = Math.max(session.lastCursor, cursor);
      session.live = true;
      return;
    }
    while (!session.closed && session.buffered > lowWater) await session.drained(lowWater);
  }
};
