import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { sleep } from "../helpers/expect.ts";
import type { Frame } from "../helpers/raw.ts";

/**
 * One test per bug the reliability suites found in core code, named after
 * what was wrong, so that each stays fixed.
 */
describe("regressions found by the reliability suites", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("task/list, app/task/list, agent/conversation/list and task/conversation/list answer (numbered SQL parameters were never bound)", async () => {
    const app = await t.connectedApp();
    app.client.handle("task/create", () => ({ verdict: "accept" }));
    const a = await t.connectedAgent();
    const first = await a.client.call("task/request", { appId: app.id, invitedAgentIds: [], initialConversation: {} });
    const second = await a.client.call("task/request", { appId: app.id, invitedAgentIds: [], initialConversation: {} });

    const tasks = await a.client.call("task/list", { limit: 1 });
    expect(tasks.items.map((x) => x.id)).toEqual([second.task.id]);
    const rest = await a.client.call("task/list", { limit: 1, cursor: tasks.nextCursor! });
    expect(rest.items.map((x) => x.id)).toEqual([first.task.id]);
    expect((await a.client.call("task/list", { status: "closed" })).items).toEqual([]);

    expect((await app.client.call("app/task/list", { status: "active" })).items.map((x) => x.id)).toEqual([
      second.task.id,
      first.task.id,
    ]);
    const mine = await a.client.call("agent/conversation/list", {});
    expect(mine.items.map((x) => x.conversation.id).sort()).toEqual(
      [first.conversation!.id, second.conversation!.id].sort(),
    );
    const ofTask = await app.client.call("task/conversation/list", { taskId: first.task.id });
    expect(ofTask.items.map((x) => x.conversation.id)).toEqual([first.conversation!.id]);
  });

  it("agent/conversation/read moves the read mark of that conversation (the conversation key was bound to seq)", async () => {
    const a = await t.connectedAgent();
    const b = await t.connectedAgent();
    const { task, conversation } = await a.client.call("task/request", {
      invitedAgentIds: [b.id],
      initialConversation: {},
    });
    const ref = { taskId: task.id, conversationId: conversation!.id };
    for (let i = 0; i < 3; i++)
      await a.client.call("messages/send", { ...ref, parts: [{ type: "text", text: `m${i}` }] });
    const unread = async () =>
      (await b.client.call("agent/conversation/list", {})).items.find((x) => x.conversation.id === ref.conversationId)!
        .unreadCount;
    expect(await unread()).toBe(3);
    await b.client.call("agent/conversation/read", { conversationId: ref.conversationId, seq: 2 });
    expect(await unread()).toBe(1);
    await b.client.call("agent/conversation/read", { conversationId: ref.conversationId, seq: 1 });
    expect(await unread()).toBe(1);
  });

  it("agent/agents/list finds agents by display name (the display-name pattern was never bound)", async () => {
    const a = await t.agent({ displayName: "Quintessential Owl" });
    const viewer = await t.connectedAgent();
    const found = await viewer.client.call("agent/agents/list", { query: "essential ow" });
    expect(found.items.map((x) => x.id)).toEqual([a.id]);
  });

  it("an event after an acknowledged one gets a new cursor and is delivered (cursors were reused after an ack)", async () => {
    const a = await t.connectedAgent();
    const b = await t.connectedAgent();
    const { task, conversation } = await a.client.call("task/request", {
      invitedAgentIds: [b.id],
      initialConversation: {},
    });
    const ref = { taskId: task.id, conversationId: conversation!.id };
    const first = b.client.once("message/received");
    await a.client.call("messages/send", { ...ref, parts: [{ type: "text", text: "one" }] });
    const one = await first;
    // b's entry is now the newest row of the whole log; acknowledging it deletes it.
    await b.client.call("events/ack", { cursor: one.cursor });

    const second = b.client.once("message/received");
    const { message } = await a.client.call("messages/send", { ...ref, parts: [{ type: "text", text: "two" }] });
    const two = await second;
    expect(two.message.id).toBe(message.id);
    expect(BigInt(two.cursor)).toBeGreaterThan(BigInt(one.cursor));
    const replay = await b.client.call("events/replay", { after: one.cursor });
    expect(replay.items.map((i) => i.cursor)).toEqual([two.cursor]);
  });

  it("params nested deeper than --max-json-depth are InvalidParams, not Internal (JSON.stringify overflowed on a 10,000-deep data part)", async () => {
    const a = await t.connectedAgent();
    const b = await t.agent();
    const { task, conversation } = await a.client.call("task/request", {
      invitedAgentIds: [b.id],
      initialConversation: {},
    });
    const raw = await t.raw({ authorization: `Bearer ${a.token}` });
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    let n = 0;
    const send = async (data: string) => {
      const id = `d${++n}`;
      raw.send(
        `{"jsonrpc":"2.0","id":"${id}","method":"messages/send","params":{"taskId":${JSON.stringify(task.id)},` +
          `"conversationId":${JSON.stringify(conversation!.id)},"parts":[{"type":"data","data":${data}}]}}`,
      );
      return (await raw.next((f) => !Array.isArray(f) && f.id === id)) as Frame;
    };
    const refused = await send(deep(10_000));
    expect(refused.error?.data.tag).toBe("InvalidParams");
    expect(refused.error?.message).toMatch(/--max-json-depth/);
    // params (1) > parts (2) > part (3) > data: 61 more levels is exactly the default limit of 64.
    expect((await send(deep(61))).result?.message.seq).toBe(1);
    expect((await send(deep(62))).error?.data.tag).toBe("InvalidParams");
  });

  it("a data or intent part without its data or payload is InvalidParams (a missing unknown-typed key was accepted)", async () => {
    const a = await t.connectedAgent();
    const b = await t.agent();
    const { task, conversation } = await a.client.call("task/request", {
      invitedAgentIds: [b.id],
      initialConversation: {},
    });
    const raw = await t.raw({ authorization: `Bearer ${a.token}` });
    const ref = { taskId: task.id, conversationId: conversation!.id };
    const noData = await raw.request("messages/send", { ...ref, parts: [{ type: "data", mimeType: "x/y" }] });
    expect(noData.error?.data.tag).toBe("InvalidParams");
    expect(noData.error?.data.issues).toContainEqual({ path: ["parts", 0, "data"], message: "is missing" });
    const noPayload = await raw.request("messages/send", { ...ref, parts: [{ type: "intent", intent: "ping" }] });
    expect(noPayload.error?.data.tag).toBe("InvalidParams");
    expect(
      (await raw.request("messages/send", { ...ref, parts: [{ type: "data", data: null }] })).result,
    ).toBeDefined();
  });
});

describe("resuming with the typed client", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("delivers the events replayed by connect({resumeAfter}) to handlers registered right after it resolves (they were dropped)", async () => {
    const a = await t.connectedAgent();
    const b = await t.agent();
    const { task, conversation } = await a.client.call("task/request", {
      invitedAgentIds: [b.id],
      initialConversation: {},
    });
    const first = await t.connect(b.token);
    const cursor = first.cursor;
    await first.close();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { message } = await a.client.call("messages/send", {
        taskId: task.id,
        conversationId: conversation!.id,
        parts: [{ type: "text", text: `missed ${i}` }],
      });
      sent.push(message.id);
    }
    const resumed = await t.connect(b.token, { resumeAfter: cursor });
    const got: string[] = [];
    resumed.on("message/received", (p) => got.push(p.message.id));
    await resumed.call("system/ping");
    for (let i = 0; i < 300 && got.length < sent.length; i++) await sleep(10);
    expect(got).toEqual(sent);
  });
});

describe("every call gets an answer", () => {
  let t: TestHub;
  beforeAll(async () => {
    // With the depth limit lifted, a deep value reaches the params decoder, whose error message overflows the stack.
    t = await TestHub.start({ maxJsonDepth: 1_000_000 });
  });
  afterAll(() => t.stop());

  it("answers Internal when decoding fails unexpectedly, instead of leaving the call unanswered", async () => {
    const raw = await t.raw({ authorization: `Bearer ${t.adminToken}` });
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    raw.send(
      `{"jsonrpc":"2.0","id":"deep","method":"admin/app/create","params":{"name":"x","manifest":{"hooks":{"messageAuthorize":${deep}}}}}`,
    );
    const answer = await raw.next((f) => !Array.isArray(f) && f.id === "deep");
    expect((answer as { error?: { code: number } }).error?.code).toBe(-32603);
    expect((await raw.request("system/ping")).result.now).toBeTypeOf("string");
  });
});
