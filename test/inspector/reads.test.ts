import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchboardClient } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects, sleep } from "../helpers/expect.ts";
import { acceptingApp, openTask, say } from "../helpers/scenario.ts";

/** Issue 14: the admin reads behind the web inspector, as ordinary JSON-RPC methods. */
describe("inspector reads", () => {
  let t: TestHub;
  let admin: SwitchboardClient;

  beforeAll(async () => {
    t = await TestHub.start();
    admin = await t.admin();
  });
  afterAll(() => t.stop());

  it("admin/overview counts agents online, sockets by principal type, tasks by status and messages, with one sample a second", async () => {
    const before = await admin.call("admin/overview", {});
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const room = await openTask(alice, [bob]);
    await say(alice, room, "hello");
    // The count is the feed's: on PostgreSQL it reads committed events from the log a moment after the commit.
    let now = await admin.call("admin/overview", {});
    while (now.totals.messages < before.totals.messages + 1) {
      await sleep(10);
      now = await admin.call("admin/overview", {});
    }
    expect(now.agentsOnline).toBe(before.agentsOnline + 2);
    expect(now.sockets.agent).toBe(before.sockets.agent + 2);
    expect(now.sockets.admin).toBeGreaterThanOrEqual(1);
    expect(now.tasks.active).toBe(before.tasks.active + 1);
    expect(now.totals.messages).toBe(before.totals.messages + 1);
    expect(now.totals.commits).toBeGreaterThan(before.totals.commits);
    expect(now.version).toMatch(/^\d+\.\d+\.\d+/);

    // The sampler ticks once a second: wait for a sample taken after the two agents connected.
    let later = now;
    while (later.history.length === 0 || later.history.at(-1)!.at <= now.at) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      later = await admin.call("admin/overview", {});
    }
    const sample = later.history.at(-1)!;
    expect(sample.agentsOnline).toBe(now.agentsOnline);
    expect(sample.sockets).toBe(Object.values(now.sockets).reduce((a, b) => a + b, 0));
  });

  it("admin/agent/get shows the card, owner, each socket's address, buffered bytes and cursor lag, tasks and recent events", async () => {
    const owner = await t.user();
    const alice = await t.connectedAgent({ ownerUserId: owner.id });
    const bob = await t.connectedAgent();
    const room = await openTask(bob, [alice]);
    // Lag is what the hub has logged for the socket and not yet pushed: once alice has the message, none.
    const received = alice.client.once("message/received");
    await say(bob, room, "for alice");
    await received;
    const got = await admin.call("admin/agent/get", { agentId: alice.id });
    expect(got.agent.id).toBe(alice.id);
    expect(got.owner?.id).toBe(owner.id);
    expect(got.card).toBeNull();
    expect(got.online).toBe(true);
    expect(got.sockets).toHaveLength(1);
    const socket = got.sockets[0]!;
    expect(socket.principalType).toBe("agent");
    expect(socket.principalId).toBe(alice.id);
    expect(socket.address).toMatch(/127\.0\.0\.1/);
    expect(socket.bufferedBytes).toBeGreaterThanOrEqual(0);
    expect(socket.cursorLag).toBe(0);
    expect(socket.live).toBe(true);
    expect(got.tasks.map((x) => x.id)).toContain(room.task.id);
    expect(got.recentEvents[0]!.method).toBe("message/received");

    await rejects(admin.call("admin/agent/get", { agentId: "agt_nobody" as never }), "AgentNotFound");
  });

  it("admin/sockets/list pages every open socket, newest first, and filters by principal type", async () => {
    await Promise.all([t.connectedAgent(), t.connectedAgent(), t.connectedAgent()]);
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.call("admin/sockets/list", { limit: 2, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.map((s) => s.connectionId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    const overview = await admin.call("admin/overview", {});
    const total = Object.values(overview.sockets).reduce((a, b) => a + b, 0);
    expect(all.length).toBe(total);
    const agents = await admin.call("admin/sockets/list", { principalType: "agent", limit: 200 });
    expect(agents.items.every((s) => s.principalType === "agent")).toBe(true);
    expect(agents.items.length).toBe(overview.sockets.agent);
  });

  it("admin/tasks/list pages every task newest first, filtered by status, app and participant; admin/task/get shows participants and conversations", async () => {
    const app = await acceptingApp(t);
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const first = await openTask(alice, [bob], { appId: app.id, name: "first" });
    const second = await openTask(alice, [], { appId: app.id });
    await app.client.call("task/close", { taskId: second.task.id });

    const byApp = await admin.call("admin/tasks/list", { appId: app.id });
    expect(byApp.items.map((x) => x.id)).toEqual([second.task.id, first.task.id]);
    const paged = await admin.call("admin/tasks/list", { appId: app.id, limit: 1 });
    expect(paged.items.map((x) => x.id)).toEqual([second.task.id]);
    const rest = await admin.call("admin/tasks/list", { appId: app.id, limit: 1, cursor: paged.nextCursor! });
    expect(rest.items.map((x) => x.id)).toEqual([first.task.id]);
    expect(rest.nextCursor).toBeUndefined();
    const closed = await admin.call("admin/tasks/list", { appId: app.id, status: "closed" });
    expect(closed.items.map((x) => x.id)).toEqual([second.task.id]);
    const bobs = await admin.call("admin/tasks/list", { agentId: bob.id });
    expect(bobs.items.map((x) => x.id)).toEqual([first.task.id]);

    const got = await admin.call("admin/task/get", { taskId: first.task.id });
    expect(got.participants.map((p) => p.agentId).sort()).toEqual([alice.id, bob.id].sort());
    expect(got.conversations.map((c) => c.conversation.id)).toEqual([first.conversation.id]);
    expect(got.conversations[0]!.conversation.name).toBe("first");
    await rejects(admin.call("admin/task/get", { taskId: "tsk_nothing" as never }), "TaskNotFound");
  });

  it("admin/messages/list reads any conversation's history in pages, backward from the end or forward from a seq", async () => {
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const room = await openTask(alice, [bob]);
    for (let i = 1; i <= 5; i++) await say(i % 2 ? alice : bob, room, `m${i}`);
    const conversationId = room.conversation.id;
    const newest = await admin.call("admin/messages/list", { conversationId, limit: 2 });
    expect(newest.items.map((m) => m.seq)).toEqual([4, 5]);
    const older = await admin.call("admin/messages/list", { conversationId, limit: 2, cursor: newest.nextCursor! });
    expect(older.items.map((m) => m.seq)).toEqual([2, 3]);
    const oldest = await admin.call("admin/messages/list", { conversationId, limit: 2, cursor: older.nextCursor! });
    expect(oldest.items.map((m) => m.seq)).toEqual([1]);
    expect(oldest.nextCursor).toBeUndefined();
    const forward = await admin.call("admin/messages/list", { conversationId, afterSeq: 3 });
    expect(forward.items.map((m) => m.seq)).toEqual([4, 5]);
    const got = await admin.call("admin/conversation/get", { conversationId });
    expect([...got.participants].sort()).toEqual([alice.id, bob.id].sort());
    await rejects(
      admin.call("admin/messages/list", { conversationId: "cnv_nothing" as never }),
      "ConversationNotFound",
    );
  });

  it("admin/apps/list pages every app by id; admin/app/get shows its manifest, sockets and grants", async () => {
    const app = await acceptingApp(t);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.call("admin/apps/list", { limit: 2, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toContain(app.id);
    expect(ids).toContain("app_default");
    expect([...ids].sort()).toEqual(ids);

    await admin.call("admin/grant/create", {
      appId: app.id,
      subjectType: "service",
      subjectId: "billing",
      scope: "actions.invoke",
      capabilities: ["intent.write"],
    });
    const got = await admin.call("admin/app/get", { appId: app.id });
    expect(got.app.id).toBe(app.id);
    expect(got.sockets).toHaveLength(1);
    expect(got.callbacksInFlight).toBe(0);
    expect(got.grants.map((g) => g.subjectId)).toEqual(["billing"]);
    await rejects(admin.call("admin/app/get", { appId: "app_nothing" as never }), "AppNotFound");
  });

  it("only the admin may call them: an agent gets MethodNotFound", async () => {
    const alice = await t.connectedAgent();
    await rejects(alice.client.call("admin/overview" as never, {} as never), "MethodNotFound");
  });
});
