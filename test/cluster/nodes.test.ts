import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../protocol/index.ts";
import { TestCluster } from "../helpers/cluster.ts";
import { rejects } from "../helpers/expect.ts";
import { acceptingApp, eventLog, nextClose, openTask, say, text, until } from "../helpers/scenario.ts";

/** Section 11: three hubs on one PostgreSQL database serve as one hub. */
describe("several hubs on PostgreSQL serve as one (section 11)", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(3);
  });
  afterAll(() => c.stop());

  it("a notification reaches the addressee's sockets on every node", async () => {
    const alice = await c.node(0).connectedAgent();
    const bob = await c.node(1).agent();
    const bobs = [await c.node(1).connect(bob.token), await c.node(2).connect(bob.token)];
    const room = await openTask(alice, [bob]);
    const got = bobs.map((b) => b.once("message/received", (p) => p.message.parts[0]?.type === "text"));
    const sent = await say(alice, room, "to every node");
    for (const p of await Promise.all(got)) expect(p.message.id).toBe(sent.id);
  });

  it("gapless per-conversation seq under concurrent senders on two nodes", async () => {
    const a = await c.node(0).connectedAgent();
    const b = await c.node(1).agent();
    const room = await openTask(a, [b]);
    const bOnOther = { client: await c.node(1).connect(b.token) };
    const sends: Array<Promise<Message>> = [];
    for (let i = 0; i < 100; i++) sends.push(say(i % 2 === 0 ? a : bOnOther, room, `m${i}`));
    const seqs = (await Promise.all(sends)).map((m) => m.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("a reader resuming from every cursor it saw, on any node, misses nothing, though commits on two nodes interleave, and cursor order is seq order", async () => {
    const s0 = await c.node(0).connectedAgent();
    const s1 = await c.node(1).agent();
    const reader = await c.node(2).connectedAgent();
    const room = await openTask(s0, [s1, reader]);
    const s1c = { client: await c.node(1).connect(s1.token) };
    const seen: string[] = [];
    const seqs: number[] = [];
    reader.client.on("message/received", (p) => {
      seen.push(p.cursor);
      seqs.push(p.message.seq);
    });
    const sends: Array<Promise<Message>> = [];
    for (let i = 0; i < 60; i++) sends.push(say(i % 2 === 0 ? s0 : s1c, room, `r${i}`));
    await Promise.all(sends);
    await until(() => seen.length === 60, "the reader to receive all 60 messages");
    const all = await eventLog(reader.client);
    const cursors = all.map((e) => e.cursor);
    // Pushed in the order of the log, which only grows, and that is seq order.
    expect(seen).toEqual(cursors.slice(-60));
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (let i = 0; i < seen.length; i += 7) {
      const after = seen[i]!;
      const node = c.node(i % 3);
      const again = await node.connect(reader.token);
      const replayed = await eventLog(again, after);
      expect(replayed.map((e) => e.cursor)).toEqual(cursors.slice(cursors.indexOf(after) + 1));
      await again.close();
    }
  });

  it("a suspension made through one node decides the next call on every node", async () => {
    const agent = await c.node(0).agent();
    const onOther = await c.node(1).connect(agent.token);
    const closed = nextClose(onOther);
    await (await c.node(2).admin()).call("admin/agent/suspend", { agentId: agent.id });
    const err = await onOther.call("task/list", {}).catch((e: unknown) => e);
    // Either the call is refused, or the socket was already closed by the other node's notice.
    if (!(err instanceof Error && /closed|not connected/i.test(err.message))) {
      expect(err).toMatchObject({ tag: "Forbidden", data: { reason: "suspended" } });
    }
    expect(await closed).toBe(4403);
    await rejects(c.node(1).connect(agent.token), "Forbidden");
  });

  it("a token rotation made through one node stops the old token on every node", async () => {
    const agent = await c.node(0).agent();
    const onOther = await c.node(2).connect(agent.token);
    const closed = nextClose(onOther);
    const { token } = await (await c.node(0).admin()).call("admin/token/rotate", { principalId: agent.id });
    expect(await closed).toBe(4401);
    await rejects(c.node(2).connect(agent.token), "Unauthorized");
    const fresh = await c.node(2).connect(token);
    await fresh.call("task/list", {});
  });

  it("clientMessageId holds across nodes", async () => {
    const a = await c.node(0).connectedAgent();
    const b = await c.node(1).agent();
    const room = await openTask(a, [b]);
    const aOnOther = await c.node(1).connect(a.token);
    const params = {
      taskId: room.task.id,
      conversationId: room.conversation.id,
      parts: text("once"),
      clientMessageId: "same-everywhere",
    };
    const [x, y] = await Promise.all([a.client.call("messages/send", params), aOnOther.call("messages/send", params)]);
    expect(x.message.id).toBe(y.message.id);
    const page = await a.client.call("messages/list", { taskId: room.task.id, conversationId: room.conversation.id });
    expect(page.items.filter((m) => m.senderId === a.id)).toHaveLength(1);
  });

  it("Idempotency-Key holds across nodes", async () => {
    const admin = await c.node(0).admin();
    const { user, token } = await admin.call("admin/user/create", { name: "idem-user" });
    const here = await c.node(0).connect(token);
    const there = await c.node(2).connect(token);
    const call = { action: "circle.create", params: { name: "one", kind: "group" }, idempotencyKey: "k-everywhere" };
    const [x, y] = await Promise.all([here.call("actions/invoke", call), there.call("actions/invoke", call)]);
    expect(x).toEqual(y);
    const rows = await c
      .node(1)
      .query<{ n: number }>("SELECT count(*) AS n FROM circles WHERE owner_user_id = ?", user.id);
    expect(rows[0]!.n).toBe(1);
  });

  it("a callback reaches the app's socket on whichever node holds it", async () => {
    const app = await acceptingApp(c.node(2));
    let asked = 0;
    app.client.handle("task/create", () => {
      asked++;
      return { verdict: "accept" };
    });
    const a = await c.node(0).connectedAgent();
    const b = await c.node(1).agent();
    const { task } = await a.client.call("task/request", { appId: app.id, invitedAgentIds: [b.id] });
    expect(task.status).toBe("active");
    expect(asked).toBe(1);
  });

  it("a callback to an app with no socket on any node is app_unreachable", async () => {
    const app = await c.node(0).app();
    const a = await c.node(1).connectedAgent();
    const err = await rejects(a.client.call("task/request", { appId: app.id, invitedAgentIds: [] }), "TaskRejected");
    expect(err.data).toMatchObject({ reason: "app_unreachable" });
  });

  it("presence and online status are cluster-wide", async () => {
    const watcher = await c.node(0).connectedAgent();
    const agent = await c.node(1).agent();
    const { statuses } = await watcher.client.call("presence/subscribe", { agentIds: [agent.id] });
    expect(statuses).toEqual([{ agentId: agent.id, status: "offline" }]);
    const online = watcher.client.once("presence/changed", (p) => p.agentId === agent.id && p.status === "online");
    const socket = await c.node(1).connect(agent.token);
    await online;
    const again = await watcher.client.call("presence/subscribe", { agentIds: [agent.id] });
    expect(again.statuses).toEqual([{ agentId: agent.id, status: "online" }]);
    const offline = watcher.client.once("presence/changed", (p) => p.agentId === agent.id && p.status === "offline");
    await socket.close();
    await offline;
  });
});
