import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intentOf, sendIntent } from "../../client/index.ts";
import type { CallbackParams, CallbackResult } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { allMessages, card, logged, room } from "./fixture.ts";

type Authorize = (params: CallbackParams<"message/authorize">) => Promise<CallbackResult<"message/authorize">>;

/** An app that accepts every task and answers message/authorize with `authorize`, counting the calls. */
const hookedApp = async (t: TestHub, authorize: Authorize = async () => ({ decision: "forward" })) => {
  const app = await t.connectedApp({ manifest: { hooks: { messageAuthorize: true } } });
  const calls: Array<CallbackParams<"message/authorize">> = [];
  app.client.handle("task/create", () => ({ verdict: "accept" }));
  app.client.handle("message/authorize", (params) => {
    calls.push(params);
    return authorize(params);
  });
  return { ...app, calls };
};

/** The intent a message (or a hook's draft of one) carries. */
const intentIn = (message: { parts: ReadonlyArray<{ type: string; intent?: string }> }) =>
  message.parts.find((p) => p.type === "intent")?.intent;

const meeting = {
  proposedTimes: ["2025-07-01T10:00:00Z"],
  topic: "Kick-off",
  format: "phone",
  urgency: "urgent",
} as const;

describe("messages/send checks the conversation first, then parts and intent rules, then the app's hook (5.4)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("answers NotAParticipant to an outsider before looking at the intent", async () => {
    const { ref } = await room(t);
    const outsider = await t.connectedAgent();
    await rejects(sendIntent(outsider.client, ref, "ask", { question: "" }), "NotAParticipant");
  });

  it("answers ConversationArchived, then TaskClosed, before the intent rules", async () => {
    const app = await hookedApp(t);
    const { agents, ref } = await room(t, 2, { appId: app.id });
    await agents[1]!.client.call("agent/card/update", { card: card([]) });
    await app.client.call("app/conversation/update", { ...ref, action: { type: "archive" } });
    await rejects(sendIntent(agents[0]!.client, ref, "ping", {}), "ConversationArchived");
    await rejects(sendIntent(agents[0]!.client, ref, "ask_response", { answer: "" }), "ConversationArchived");
    await app.client.call("task/close", { taskId: ref.taskId });
    await rejects(sendIntent(agents[0]!.client, ref, "ping", {}), "TaskClosed");
    expect(app.calls).toEqual([]);
  });

  it("applies the intent rules before asking the app, and shows the hook the correlationId", async () => {
    const app = await hookedApp(t);
    const { agents, ref } = await room(t, 2, { appId: app.id });
    const [alice, bob] = agents;
    await rejects(sendIntent(alice!.client, ref, "ask", { question: "" }), "InvalidParams");
    await rejects(sendIntent(bob!.client, ref, "ask_response", { answer: "yes" }), "CorrelationNotFound");
    await bob!.client.call("agent/card/update", { card: card(["ping"]) });
    await rejects(sendIntent(alice!.client, ref, "ask", { question: "Now?" }), "IntentNotSupported");
    expect(app.calls).toEqual([]);

    const request = await sendIntent(alice!.client, ref, "ping", {});
    expect(app.calls).toHaveLength(1);
    await bob!.client.call("agent/card/update", { card: card(["ping", "schedule_meeting"]) });
    const proposal = await sendIntent(alice!.client, ref, "schedule_meeting", meeting);
    expect(app.calls[1]!.message).toMatchObject({ id: proposal.id, correlationId: proposal.id });
    expect(request.correlationId).toBeUndefined();
  });

  it("re-checks the cards in the write: a card changed while the hook was out refuses the send", async () => {
    let bobClient: Awaited<ReturnType<TestHub["connectedAgent"]>>["client"] | undefined;
    const app = await hookedApp(t, async ({ message }) => {
      if (intentIn(message) === "schedule_meeting") {
        await bobClient!.call("agent/card/update", { card: card(["ping"]) });
      }
      return { decision: "forward" };
    });
    const { agents, ref } = await room(t, 2, { appId: app.id });
    const [alice, bob] = agents;
    bobClient = bob!.client;
    const err = await rejects(sendIntent(alice!.client, ref, "schedule_meeting", meeting), "IntentNotSupported");
    expect(err.data).toEqual({ agentIds: [bob!.id] });
    expect(app.calls).toHaveLength(1);
    expect(await allMessages(alice!.client, ref)).toEqual([]);
    expect(await logged(bob!.client, "message/received")).toEqual([]);
  });

  it("re-checks correlation in the write: a request retracted while the hook was out cannot be answered", async () => {
    let retractRequest: (() => Promise<unknown>) | undefined;
    const app = await hookedApp(t, async ({ message }) => {
      if (intentIn(message) === "ask_response") await retractRequest!();
      return { decision: "forward" };
    });
    const { agents, ref } = await room(t, 2, { appId: app.id });
    const [alice, bob] = agents;
    const ask = await sendIntent(alice!.client, ref, "ask", { question: "Still on?" });
    retractRequest = () => sendIntent(alice!.client, ref, "retract", { targetMessageId: ask.id });
    await rejects(
      sendIntent(bob!.client, ref, "ask_response", { answer: "yes" }, { correlationId: ask.id }),
      "CorrelationNotFound",
    );
    const stored = await allMessages(alice!.client, ref);
    expect(stored.map((m) => intentOf(m)?.intent)).toEqual([undefined, "retract"]);
    expect(stored[0]!.retractedAt).toBeDefined();
  });

  it("retracts nothing when the app blocks the retract", async () => {
    const app = await hookedApp(t, async ({ message }) =>
      intentIn(message) === "retract" ? { decision: "block", reason: "audit hold" } : { decision: "forward" },
    );
    const { agents, ref } = await room(t, 2, { appId: app.id });
    const [alice, bob] = agents;
    const target = await sendIntent(alice!.client, ref, "ping", { note: "keep me" });
    await rejects(sendIntent(alice!.client, ref, "retract", { targetMessageId: target.id }), "HookBlocked");
    const stored = await allMessages(bob!.client, ref);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.parts).toEqual(target.parts);
    expect(await logged(bob!.client, "message/retracted")).toEqual([]);
  });
});
