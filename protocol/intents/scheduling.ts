import { Schema } from "effect";
import { DateTime, HttpUrl, Items, OneOf, Text4k, optional } from "./fields.ts";

export const ScheduleMeeting = Schema.Struct({
  proposedTimes: Items(DateTime, 1, 10),
  topic: Text4k,
  format: OneOf("video", "phone", "in_person", "async"),
  urgency: OneOf("low", "normal", "urgent"),
  context: optional(Text4k),
  location: optional(Text4k),
}).annotations({
  identifier: "ScheduleMeetingPayload",
  title: "schedule_meeting",
  description:
    "Propose a meeting at one of 1 to 10 times; location is for in_person meetings. Answered by schedule_meeting_response.",
});

export const ScheduleMeetingResponse = Schema.Struct({
  status: OneOf("accepted", "declined", "countered"),
  confirmedTime: optional(DateTime),
  counterTimes: optional(Items(DateTime, 1, 10)),
  meetingLink: optional(HttpUrl),
  note: optional(Text4k),
  declineReason: optional(OneOf("unavailable", "not_interested", "too_busy", "deferred")),
}).annotations({
  identifier: "ScheduleMeetingResponsePayload",
  title: "schedule_meeting_response",
  description:
    "Accept (confirmedTime), counter (counterTimes) or decline (declineReason) a schedule_meeting; carries its correlationId.",
});
