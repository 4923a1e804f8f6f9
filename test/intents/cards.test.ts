import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendIntent } from "../../client/index.ts";
import { intentNames } from "../../protocol/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { allMessages, card, logged, profile, room } from "./fixture.ts";

const ask = { question: "Can you review my proposal?" };

describe("agent cards: agent/card/update, agent/card/get and the directory", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("publishes the caller's card, and shows it to agent/card/get and agent/agents/list", async () => {
    const alice = await t.connectedAgent();
    const bob = await t.connectedAgent();
    expect(await bob.client.call("agent/card/get", { agentId: alice.id })).toEqual({ agentId: alice.id, card: null });

    const published = {
      displayName: "Alice's scheduler",
      description: "Finds time for meetings",
      capabilities: { intentsAccepted: ["schedule_meeting", "ping"], intentsSent: ["schedule_meeting_response"] },
      availability: "weekdays",
      profile,
    } as const;
    expect(await alice.client.call("agent/card/update", { card: published })).toEqual({ card: published });
    expect(await bob.client.call("agent/card/get", { agentId: alice.id })).toEqual({
      agentId: alice.id,
      card: published,
    });
    const { items } = await bob.client.call("agent/agents/list", { query: alice.record.name });
    expect(items.find((a) => a.id === alice.id)?.card).toEqual(published);
    const everyone = await bob.client.call("agent/agents/list", { limit: 200 });
    expect(everyone.items.find((a) => a.id === bob.id)?.card).toBeNull();

    const replaced = card(["ping"]);
    await alice.client.call("agent/card/update", { card: replaced });
    expect((await bob.client.call("agent/card/get", { agentId: alice.id })).card).toEqual(replaced);
  });

  it("lets apps, users and the admin read cards, and only agents publish them", async () => {
    const alice = await t.connectedAgent();
    const app = await t.connectedApp();
    const admin = await t.admin();
    expect((await app.client.call("agent/card/get", { agentId: alice.id })).card).toBeNull();
    expect((await admin.call("agent/card/get", { agentId: alice.id })).card).toBeNull();
    await rejects(app.client.call("agent/card/update", { card: card(["ping"]) }), "MethodNotFound");
  });

  it("answers AgentNotFound naming an unknown agent", async () => {
    const alice = await t.connectedAgent();
    const err = await rejects(alice.client.call("agent/card/get", { agentId: "agt_nobody" }), "AgentNotFound");
    expect(err.data).toEqual({ agentIds: ["agt_nobody"] });
  });

  it("holds known intent names only, and is strict", async () => {
    const alice = await t.connectedAgent();
    const bad = await rejects(
      alice.client.call("agent/card/update", {
        card: { displayName: "A", capabilities: { intentsAccepted: ["ping", "hello"], intentsSent: [] } },
      } as never),
      "InvalidParams",
    );
    expect(bad.data).toEqual({
      issues: [{ path: ["card", "capabilities", "intentsAccepted", 1], message: expect.stringMatching(/"ask"/) }],
    });
    const extra = await rejects(
      alice.client.call("agent/card/update", {
        card: { ...card(["ping"]), capabilities: { intentsAccepted: [], intentsSent: [], intentsIgnored: [] } },
      } as never),
      "InvalidParams",
    );
    expect(extra.data).toEqual({
      issues: [{ path: ["card", "capabilities", "intentsIgnored"], message: expect.any(String) }],
    });
    expect((await alice.client.call("agent/card/get", { agentId: alice.id })).card).toBeNull();
  });
});

describe("intents are negotiated through cards", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("lets an agent without a card send and receive every intent", async () => {
    const { agents, ref } = await room(t);
    await sendIntent(agents[0]!.client, ref, "ping", {});
    await agents[1]!.client.call("agent/card/update", { card: card([...intentNames]) });
    await sendIntent(agents[0]!.client, ref, "ask", ask);
  });

  it("refuses an intent a recipient's card does not accept with IntentNotSupported naming it; nothing is stored or delivered", async () => {
    const { agents, ref } = await room(t, 3);
    const [alice, bob, carol] = agents;
    await bob!.client.call("agent/card/update", { card: card(["ping", "schedule_meeting"]) });

    const err = await rejects(sendIntent(alice!.client, ref, "ask", ask), "IntentNotSupported");
    expect(err.data).toEqual({ agentIds: [bob!.id] });
    expect(err.message).toContain(bob!.id);
    expect(err.message).toContain('"ask"');

    expect(await allMessages(alice!.client, ref)).toEqual([]);
    for (const a of [alice!, bob!, carol!]) expect(await logged(a.client, "message/received")).toEqual([]);

    // The refused send took no seq: the next message is the first.
    const ping = await sendIntent(alice!.client, ref, "ping", { note: "still there?" });
    expect(ping.seq).toBe(1);
  });

  it("lists every recipient whose card refuses the intent", async () => {
    const { agents, ref } = await room(t, 4);
    const [alice, bob, carol, dave] = agents;
    await bob!.client.call("agent/card/update", { card: card(["ping"]) });
    await carol!.client.call("agent/card/update", { card: card(["ask"]) });
    await dave!.client.call("agent/card/update", { card: card([]) });
    const err = await rejects(sendIntent(alice!.client, ref, "ask", ask), "IntentNotSupported");
    expect(err.data).toEqual({ agentIds: expect.arrayContaining([bob!.id, dave!.id]) });
    expect((err.data as { agentIds: string[] }).agentIds).toHaveLength(2);
  });

  it("refuses an intent the sender's card does not list in intentsSent with IntentNotDeclared, before asking recipients", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    await alice!.client.call("agent/card/update", { card: card([...intentNames], ["ping"]) });
    await bob!.client.call("agent/card/update", { card: card([]) });
    const err = await rejects(sendIntent(alice!.client, ref, "ask", ask), "IntentNotDeclared");
    expect(err.message).toMatch(/intentsSent.*agent\/card\/update/);
    expect(await allMessages(alice!.client, ref)).toEqual([]);
    expect(await logged(bob!.client, "message/received")).toEqual([]);

    await alice!.client.call("agent/card/update", { card: card([], ["ping", "ask"]) });
    await bob!.client.call("agent/card/update", { card: card(["ask"]) });
    await sendIntent(alice!.client, ref, "ask", ask);
  });

  it("does not apply cards to messages without an intent part", async () => {
    const { agents, ref } = await room(t);
    await agents[0]!.client.call("agent/card/update", { card: card([], []) });
    await agents[1]!.client.call("agent/card/update", { card: card([], []) });
    const { message } = await agents[0]!.client.call("messages/send", {
      ...ref,
      parts: [{ type: "text", text: "hi" }],
    });
    expect(message.seq).toBe(1);
  });
});
