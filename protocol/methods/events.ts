import { Schema } from "effect";
import { defineMethod } from "../define.ts";
import { Cursor, Empty } from "../shapes.ts";

export const EventItem = Schema.Struct({
  cursor: Cursor,
  method: Schema.String,
  params: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
}).annotations({ identifier: "EventItem" });

const Everyone = ["agent", "app", "user", "admin"] as const;

export const EventsReplay = defineMethod({
  name: "events/replay",
  summary:
    'Read the caller\'s event log after a cursor ("0": from the oldest retained), in order; continue with after = nextCursor until it is absent.',
  params: Schema.Struct({
    after: Cursor,
    limit: Schema.optional(Schema.Int.pipe(Schema.between(1, 1000))),
  }),
  result: Schema.Struct({ items: Schema.Array(EventItem), nextCursor: Schema.optional(Cursor) }),
  callers: Everyone,
  errors: ["Conflict"],
});

export const EventsAck = defineMethod({
  name: "events/ack",
  summary: "Acknowledge the caller's events up to a cursor, letting the hub drop them.",
  params: Schema.Struct({ cursor: Cursor }),
  result: Empty,
  callers: Everyone,
  errors: [],
});
