import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextIntent, respond, sendIntent } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { allMessages, logged, profile, room } from "./fixture.ts";

const meeting = {
  proposedTimes: ["2025-06-02T09:00:00Z", "2025-06-02T15:00:00+02:00"],
  topic: "Quarterly sync",
  format: "video",
  urgency: "normal",
} as const;

describe("requests and responses pair by correlationId within a conversation", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("stores a request under its own message id when the sender gives no correlationId", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const received = nextIntent(bob!.client, "schedule_meeting");
    const request = await sendIntent(alice!.client, ref, "schedule_meeting", meeting);
    expect(request.correlationId).toBe(request.id);
    const got = await received;
    expect(got.message.correlationId).toBe(request.id);
    expect(got.payload).toEqual(meeting);
    const [stored] = await allMessages(bob!.client, ref);
    expect(stored!.correlationId).toBe(request.id);
  });

  it("keeps the correlationId the sender gives a request", async () => {
    const { agents, ref } = await room(t);
    const request = await sendIntent(agents[0]!.client, ref, "ask", { question: "Coffee?" }, { correlationId: "c-1" });
    expect(request.correlationId).toBe("c-1");
  });

  it("accepts several responses carrying the request's correlationId, from either side", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const asked = nextIntent(bob!.client, "connection_request");
    const request = await sendIntent(alice!.client, ref, "connection_request", {
      method: "discovery",
      context: "We both work on agent protocols.",
      profileSnapshot: profile,
    });
    const pending = await respond(bob!.client, await asked, { status: "pending" });
    const accepted = await respond(bob!.client, await asked, { status: "accepted", note: "Welcome!" });
    const echoed = await sendIntent(
      alice!.client,
      ref,
      "connection_response",
      { status: "accepted" },
      { correlationId: request.correlationId! },
    );
    for (const m of [pending, accepted, echoed]) expect(m.correlationId).toBe(request.id);
    expect(pending.replyToId).toBe(request.id);
  });

  it("refuses a response without a correlationId with CorrelationNotFound, storing and delivering nothing", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    await sendIntent(alice!.client, ref, "ask", { question: "Lunch?" });
    const err = await rejects(sendIntent(bob!.client, ref, "ask_response", { answer: "Yes" }), "CorrelationNotFound");
    expect(err.message).toMatch(/correlationId/);
    expect(await allMessages(alice!.client, ref)).toHaveLength(1);
    expect(await logged(alice!.client, "message/received")).toHaveLength(0);
  });

  it("refuses a response whose correlationId names no request", async () => {
    const { agents, ref } = await room(t);
    await rejects(
      sendIntent(agents[1]!.client, ref, "ask_response", { answer: "Yes" }, { correlationId: "nothing-here" }),
      "CorrelationNotFound",
    );
  });

  it("refuses a response whose correlationId names a request of another pair type", async () => {
    const { agents, ref } = await room(t);
    const request = await sendIntent(agents[0]!.client, ref, "schedule_meeting", meeting);
    await rejects(
      sendIntent(agents[1]!.client, ref, "ask_response", { answer: "Yes" }, { correlationId: request.correlationId! }),
      "CorrelationNotFound",
    );
    await rejects(
      sendIntent(agents[1]!.client, ref, "connection_response", { status: "accepted" }, { correlationId: request.id }),
      "CorrelationNotFound",
    );
  });

  it("refuses a response to a request of another conversation", async () => {
    const first = await room(t);
    const [alice, bob] = first.agents;
    const { task, conversation } = await alice!.client.call("task/request", {
      invitedAgentIds: [bob!.id],
      initialConversation: {},
    });
    const request = await sendIntent(alice!.client, first.ref, "ask", { question: "Which room?" });
    await rejects(
      sendIntent(
        bob!.client,
        { taskId: task.id, conversationId: conversation!.id },
        "ask_response",
        { answer: "Room 2" },
        { correlationId: request.correlationId! },
      ),
      "CorrelationNotFound",
    );
  });

  it("refuses a response to a retracted request", async () => {
    const { agents, ref } = await room(t);
    const request = await sendIntent(agents[0]!.client, ref, "opportunity", {
      type: "role",
      title: "Staff engineer",
      description: "Realtime infrastructure",
      matchReason: "You built a hub",
    });
    await sendIntent(agents[0]!.client, ref, "retract", { targetMessageId: request.id });
    await rejects(
      sendIntent(
        agents[1]!.client,
        ref,
        "opportunity_response",
        { status: "interested" },
        { correlationId: request.id },
      ),
      "CorrelationNotFound",
    );
  });

  it("answers the newest request of the pair type when a correlationId is reused", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    await sendIntent(
      alice!.client,
      ref,
      "ask",
      { question: "Pick one", choices: ["a", "b", "c"] },
      { correlationId: "x" },
    );
    await sendIntent(alice!.client, ref, "ask", { question: "Pick again", choices: ["a"] }, { correlationId: "x" });
    await rejects(
      sendIntent(bob!.client, ref, "ask_response", { answer: "b", choiceIndex: 1 }, { correlationId: "x" }),
      "InvalidParams",
    );
    await sendIntent(bob!.client, ref, "ask_response", { answer: "a", choiceIndex: 0 }, { correlationId: "x" });
  });

  it("keeps the correlationId a one-way intent carries, threading it into the exchange", async () => {
    const { agents, ref } = await room(t);
    const request = await sendIntent(agents[0]!.client, ref, "ask", { question: "Ready?" });
    const nudge = await sendIntent(
      agents[0]!.client,
      ref,
      "follow_up",
      { referenceId: request.id, message: "Any news?", actionRequested: "reply" },
      { correlationId: request.id },
    );
    expect(nudge.correlationId).toBe(request.id);
    const ping = await sendIntent(agents[0]!.client, ref, "ping", {});
    expect(ping.correlationId).toBeUndefined();
  });
});

describe("ask_response.choiceIndex indexes the asked choices", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("accepts an index of the choices and refuses one past them at parts[i].payload.choiceIndex", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const asked = nextIntent(bob!.client, "ask");
    await sendIntent(alice!.client, ref, "ask", {
      question: "Which day?",
      responseFormat: "choice",
      choices: ["Mon", "Tue", "Wed"],
    });
    const ask = await asked;
    await respond(bob!.client, ask, { answer: "Wed", choiceIndex: 2 });
    const err = await rejects(
      respond(bob!.client, ask, { answer: "Thu", choiceIndex: 3 }, { parts: [{ type: "text", text: "Thursday?" }] }),
      "InvalidParams",
    );
    expect(err.data).toEqual({
      issues: [
        {
          path: ["parts", 1, "payload", "choiceIndex"],
          message: "must index the asked choices: an integer from 0 to 2",
        },
      ],
    });
    expect(await allMessages(alice!.client, ref)).toHaveLength(2);
  });

  it("refuses a choiceIndex answering an ask that offered no choices", async () => {
    const { agents, ref } = await room(t);
    const request = await sendIntent(agents[0]!.client, ref, "ask", { question: "Thoughts?" });
    const err = await rejects(
      sendIntent(
        agents[1]!.client,
        ref,
        "ask_response",
        { answer: "Yes", choiceIndex: 0 },
        { correlationId: request.id },
      ),
      "InvalidParams",
    );
    expect(err.data).toEqual({
      issues: [{ path: ["parts", 0, "payload", "choiceIndex"], message: expect.stringMatching(/no choices/) }],
    });
    await sendIntent(agents[1]!.client, ref, "ask_response", { answer: "Yes" }, { correlationId: request.id });
  });
});

describe("messages/list {correlationId} returns an exchange's request and responses in order", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("lists only the exchange, ascending by seq, forward and backward, page by page", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const request = await sendIntent(alice!.client, ref, "schedule_meeting", meeting);
    const other = await sendIntent(bob!.client, ref, "ask", { question: "Unrelated?" });
    await alice!.client.call("messages/send", { ...ref, parts: [{ type: "text", text: "brb" }] });
    const countered = await sendIntent(
      bob!.client,
      ref,
      "schedule_meeting_response",
      { status: "countered", counterTimes: ["2025-06-03T10:00:00Z"] },
      { correlationId: request.id },
    );
    await sendIntent(alice!.client, ref, "ask_response", { answer: "Yes" }, { correlationId: other.id });
    const accepted = await sendIntent(
      alice!.client,
      ref,
      "schedule_meeting_response",
      { status: "accepted", confirmedTime: "2025-06-03T10:00:00Z", meetingLink: "https://meet.example.com/q3" },
      { correlationId: request.id },
    );
    const exchange = [request.id, countered.id, accepted.id];

    const all = await alice!.client.call("messages/list", { ...ref, correlationId: request.id });
    expect(all.items.map((m) => m.id)).toEqual(exchange);
    expect(all.nextCursor).toBeUndefined();

    const forward: string[] = [];
    let page = await bob!.client.call("messages/list", { ...ref, correlationId: request.id, afterSeq: 0, limit: 1 });
    for (;;) {
      forward.push(...page.items.map((m) => m.id));
      if (page.nextCursor === undefined) break;
      page = await bob!.client.call("messages/list", {
        ...ref,
        correlationId: request.id,
        cursor: page.nextCursor,
        limit: 1,
      });
    }
    expect(forward).toEqual(exchange);

    const newest = await bob!.client.call("messages/list", { ...ref, correlationId: request.id, limit: 2 });
    expect(newest.items.map((m) => m.id)).toEqual(exchange.slice(1));
    const older = await bob!.client.call("messages/list", {
      ...ref,
      correlationId: request.id,
      cursor: newest.nextCursor!,
      limit: 2,
    });
    expect(older.items.map((m) => m.id)).toEqual(exchange.slice(0, 1));
  });
});
