import { Methods } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { paramsWithCursor } from "../fanout.ts";
import { planResume } from "../replay.ts";
import { implement } from "../rpc.ts";

const DEFAULT_REPLAY_LIMIT = 100;

export const eventHandlers = (hub: HubContext) => {
  const { events } = hub.storage;
  return [
    implement(Methods.EventsReplay, (p, { principal, raise }) => {
      const me = principal.id;
      const plan = planResume(Number(p.after), events.floor(me), events.oldest(me));
      if (plan.kind === "expired") {
        return raise(
          "Conflict",
          { reason: "cursor_expired", oldestCursor: String(plan.oldestCursor) },
          "Events after this cursor are no longer retained; resynchronise from the list methods.",
        );
      }
      const limit = p.limit ?? DEFAULT_REPLAY_LIMIT;
      const rows = events.after(me, plan.after, limit + 1);
      const kept = rows.length > limit ? rows.slice(0, limit) : rows;
      const items = kept.map((r) => ({
        cursor: String(r.cursor),
        method: r.method,
        params: JSON.parse(paramsWithCursor(r.params, r.cursor)) as Record<string, unknown>,
      }));
      return rows.length > limit ? { items, nextCursor: items[items.length - 1]!.cursor } : { items };
    }),

    implement(Methods.EventsAck, (p, { principal }) =>
      hub.commit(() => {
        events.ack(principal.id, Number(p.cursor));
        return {};
      }),
    ),
  ];
};
