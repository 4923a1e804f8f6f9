import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planResume } from "../../server/replay.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";

describe("planResume decides whether a log continues after a cursor without a gap", () => {
  const log = { newest: 40, floor: 10, oldest: 12 };

  it("replays from any cursor between the highest dropped entry and the newest", () => {
    expect(planResume(10, log)).toEqual({ kind: "replay", after: 10 });
    expect(planResume(25, log)).toEqual({ kind: "replay", after: 25 });
    expect(planResume(40, log)).toEqual({ kind: "replay", after: 40 });
  });

  it("treats 0 as the oldest retained entry, even after entries were dropped", () => {
    expect(planResume(0, log)).toEqual({ kind: "replay", after: 0 });
  });

  it("reports entries dropped after the cursor as expired, naming the oldest retained", () => {
    expect(planResume(9, log)).toEqual({ kind: "expired", oldestCursor: 12 });
  });

  it("reports a cursor beyond the newest entry as ahead of the log", () => {
    expect(planResume(41, log)).toEqual({ kind: "ahead", oldestCursor: 12 });
    expect(planResume(5, { newest: 0, floor: 0, oldest: undefined })).toEqual({ kind: "ahead", oldestCursor: 0 });
  });
});

describe("a cursor from beyond the principal's log is refused, so later events are not mistaken for seen ones", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("answers events/replay and auth/connect {resumeAfter} with Conflict cursor_expired", async () => {
    const agent = await t.connectedAgent();
    const err = await rejects(agent.client.call("events/replay", { after: "999999" }), "Conflict");
    expect(err.data).toMatchObject({ reason: "cursor_expired", oldestCursor: "0" });

    const raw = await t.raw();
    const answer = await raw.request("auth/connect", { token: agent.token, resumeAfter: "999999" });
    expect(answer.error?.data).toMatchObject({ tag: "Conflict", reason: "cursor_expired" });
    // The socket is still unauthenticated and may connect without a cursor.
    const again = await raw.request("auth/connect", { token: agent.token });
    expect(again.result?.cursor).toBe("0");
  });
});
