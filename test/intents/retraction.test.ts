import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextIntent, sendIntent } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { allMessages, logged, room } from "./fixture.ts";

const share = { context: "I will bring the Q3 numbers.", category: "project_update" } as const;

describe("retract: the original sender withdraws a message", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("empties the target's parts, sets retractedAt and tells every participant with message/retracted", async () => {
    const { agents, ref, taskId, conversationId } = await room(t, 3);
    const [alice, bob, carol] = agents;
    const target = await sendIntent(alice!.client, ref, "context_share", share);
    const cursorBefore = (await bob!.client.call("events/replay", { after: "0" })).items.at(-1)!.cursor;

    const toBob = bob!.client.once("message/retracted");
    const toAlice = alice!.client.once("message/retracted");
    const retractReceived = nextIntent(carol!.client, "retract");
    const retract = await sendIntent(alice!.client, ref, "retract", {
      targetMessageId: target.id,
      reason: "Numbers are not final",
    });

    // The retract itself is an ordinary message, stored with the next seq and delivered.
    expect(retract.seq).toBe(target.seq + 1);
    expect((await retractReceived).message.id).toBe(retract.id);

    const expected = { taskId, conversationId, messageId: target.id };
    expect(await toBob).toEqual({ ...expected, cursor: expect.stringMatching(/^\d+$/) });
    expect(await toAlice).toMatchObject(expected);

    const [stored, retractStored] = await allMessages(carol!.client, ref);
    expect(stored).toMatchObject({ id: target.id, seq: target.seq, parts: [], retractedAt: retract.createdAt });
    expect(retractStored!.parts).toEqual(retract.parts);
    expect(retractStored!.retractedAt).toBeUndefined();

    // Replayable like every event: in the log, and pushed again on resume.
    for (const a of [alice!, bob!, carol!]) {
      expect((await logged(a.client, "message/retracted")).map((e) => e.params)).toEqual([
        expect.objectContaining(expected),
      ]);
    }
    const raw = await t.raw();
    const hello = await raw.request("auth/connect", { token: bob!.token, resumeAfter: cursorBefore });
    expect(hello.error).toBeUndefined();
    const replayed = await raw.next((f) => !Array.isArray(f) && f.method === "message/retracted");
    expect((replayed as { params: unknown }).params).toMatchObject(expected);
  });

  it("is Forbidden (not_sender) from anyone else, and stores and notifies nothing", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const target = await sendIntent(alice!.client, ref, "ping", { note: "hello" });
    const err = await rejects(sendIntent(bob!.client, ref, "retract", { targetMessageId: target.id }), "Forbidden");
    expect(err.data).toEqual({ reason: "not_sender" });
    expect(err.message).toMatch(/sender/);
    const messages = await allMessages(alice!.client, ref);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.parts).toEqual(target.parts);
    expect(messages[0]!.retractedAt).toBeUndefined();
    expect(await logged(alice!.client, "message/received")).toEqual([]);
    for (const a of agents) expect(await logged(a.client, "message/retracted")).toEqual([]);
  });

  it("answers MessageNotFound for a target that is unknown or in another conversation", async () => {
    const first = await room(t);
    const [alice, bob] = first.agents;
    const { task, conversation } = await alice!.client.call("task/request", {
      invitedAgentIds: [bob!.id],
      initialConversation: {},
    });
    const elsewhere = await sendIntent(
      alice!.client,
      { taskId: task.id, conversationId: conversation!.id },
      "ping",
      {},
    );
    await rejects(
      sendIntent(alice!.client, first.ref, "retract", { targetMessageId: "msg_unknown" }),
      "MessageNotFound",
    );
    await rejects(
      sendIntent(alice!.client, first.ref, "retract", { targetMessageId: elsewhere.id }),
      "MessageNotFound",
    );
    expect(await allMessages(alice!.client, first.ref)).toEqual([]);
  });

  it("keeps the first tombstone when a message is retracted twice, and tells nobody again", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const target = await sendIntent(alice!.client, ref, "ping", {});
    const first = await sendIntent(alice!.client, ref, "retract", { targetMessageId: target.id });
    const second = await sendIntent(alice!.client, ref, "retract", { targetMessageId: target.id });
    expect(second.seq).toBe(first.seq + 1);
    const [stored] = await allMessages(bob!.client, ref);
    expect(stored!.retractedAt).toBe(first.createdAt);
    expect(await logged(bob!.client, "message/retracted")).toHaveLength(1);
  });

  it("retracts a message of any kind, not only intents", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const { message } = await alice!.client.call("messages/send", {
      ...ref,
      parts: [
        { type: "text", text: "wrong chat" },
        { type: "data", data: { secret: true } },
      ],
    });
    await sendIntent(alice!.client, ref, "retract", { targetMessageId: message.id });
    const [stored] = await allMessages(bob!.client, ref);
    expect(stored!.parts).toEqual([]);
  });
});

describe("follow_up references a message of the same conversation", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("accepts a reference to a message of the conversation and refuses others with MessageNotFound", async () => {
    const first = await room(t);
    const [alice, bob] = first.agents;
    const ask = await sendIntent(alice!.client, first.ref, "ask", { question: "Budget?" });
    await sendIntent(alice!.client, first.ref, "follow_up", { referenceId: ask.id, message: "Any news?" });
    const { task, conversation } = await alice!.client.call("task/request", {
      invitedAgentIds: [bob!.id],
      initialConversation: {},
    });
    const other = { taskId: task.id, conversationId: conversation!.id };
    const err = await rejects(
      sendIntent(alice!.client, other, "follow_up", { referenceId: ask.id, message: "Any news?" }),
      "MessageNotFound",
    );
    expect(err.message).toMatch(/referenceId/);
    await rejects(
      sendIntent(alice!.client, other, "follow_up", { referenceId: "msg_missing", message: "Hm?" }),
      "MessageNotFound",
    );
    expect(await allMessages(alice!.client, other)).toEqual([]);
  });
});
