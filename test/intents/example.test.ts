import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intentOf } from "../../client/index.ts";
import { scheduleMeeting } from "../../examples/schedule-meeting.ts";
import { TestHub } from "../helpers/hub.ts";

describe("the schedule-meeting example", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("proposes, counters and accepts in one exchange, then retracts a message", async () => {
    const lines: string[] = [];
    const { exchange, retractedId } = await scheduleMeeting({
      wsUrl: t.wsUrl,
      adminToken: t.adminToken,
      log: (line) => lines.push(line),
    });
    expect(exchange.map((m) => intentOf(m)?.intent)).toEqual([
      "schedule_meeting",
      "schedule_meeting_response",
      "schedule_meeting_response",
    ]);
    const [proposal, counter, acceptance] = exchange.map((m) => intentOf(m)!);
    expect(counter!.payload).toMatchObject({ status: "countered" });
    expect(acceptance!.payload).toMatchObject({ status: "accepted", confirmedTime: "2025-06-03T16:00:00Z" });
    expect(new Set(exchange.map((m) => m.correlationId))).toEqual(new Set([proposal!.message.id]));
    expect(exchange.map((m) => m.senderId)).toEqual([
      proposal!.message.senderId,
      counter!.message.senderId,
      proposal!.message.senderId,
    ]);

    const retracted = (await t.hub.storage.messages.get(retractedId))!.message;
    expect(retracted.parts).toEqual([]);
    expect(retracted.retractedAt).toBeDefined();
    expect(lines.at(-1)).toBe(`bob   <- message/retracted ${retractedId}`);
  });
});
