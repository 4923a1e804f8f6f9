import { Methods } from "../../protocol/index.ts";
import type { HubContext } from "../hub-context.ts";
import { paramsWithCursor } from "../fanout.ts";
import { resumePoint } from "../replay.ts";
import { implement } from "../rpc.ts";

const DEFAULT_REPLAY_LIMIT = 100;

export const eventHandlers = (hub: HubContext) => {
  const { events } = hub.storage;
  return [
    implement(Methods.EventsReplay, async (p, { principal, raise }) => {
      const me = principal.id;
      const after = resumePoint(Number(p.after), await events.position(me), raise);
      const limit = p.limit ?? DEFAULT_REPLAY_LIMIT;
      const rows = await events.after(me, after, limit + 1);
      const kept = rows.length > limit ? rows.slice(0, limit) : rows;
      const items = kept.map((r) => ({
        cursor: String(r.cursor),
        method: r.method,
        params: JSON.parse(paramsWithCursor(r.params, r.cursor)) as Record<string, unknown>,
      }));
      return rows.length > limit ? { items, nextCursor: items[items.length - 1]!.cursor } : { items };
    }),

    implement(Methods.EventsAck, async (p, { principal }) =>
      hub.commit(async () => {
        await events.ack(principal.id, Number(p.cursor));
        return {};
      }),
    ),
  ];
};
