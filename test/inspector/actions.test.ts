import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchboardClient } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { acceptingApp, nextClose, openTask, rawAuthed, say } from "../helpers/scenario.ts";

/** Issue 14: the inspector's actions (each confirmed in the page) as admin methods. */
describe("inspector actions", () => {
  let t: TestHub;
  let admin: SwitchboardClient;

  beforeAll(async () => {
    t = await TestHub.start();
    admin = await t.admin();
  });
  afterAll(() => t.stop());

  it("admin/task/close closes any app's task and tells its participants; a closed task is TaskClosed", async () => {
    const app = await acceptingApp(t);
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const room = await openTask(alice, [bob], { appId: app.id });
    const told = bob.client.once("task/closed", (p) => p.task.id === room.task.id);
    const { task } = await admin.call("admin/task/close", { taskId: room.task.id });
    expect(task.status).toBe("closed");
    expect((await told).task.status).toBe("closed");
    await rejects(say(alice, room, "too late"), "TaskClosed");
    await rejects(admin.call("admin/task/close", { taskId: room.task.id }), "TaskClosed");
    await rejects(admin.call("admin/task/close", { taskId: "tsk_nothing" as never }), "TaskNotFound");
  });

  it("admin/conversation/archive archives a conversation once and tells its participants", async () => {
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const room = await openTask(alice, [bob]);
    const told = bob.client.once("agent/conversation/archived", (p) => p.conversationId === room.conversation.id);
    const { conversation } = await admin.call("admin/conversation/archive", { conversationId: room.conversation.id });
    expect(conversation.archivedAt).toBeDefined();
    expect((await told).archivedAt).toBe(conversation.archivedAt);
    const again = await admin.call("admin/conversation/archive", { conversationId: room.conversation.id });
    expect(again.conversation.archivedAt).toBe(conversation.archivedAt);
    await rejects(say(alice, room, "archived"), "ConversationArchived");
    await rejects(
      admin.call("admin/conversation/archive", { conversationId: "cnv_nothing" as never }),
      "ConversationNotFound",
    );
  });

  it("admin/socket/close closes one socket with 4000 and leaves the principal's others open", async () => {
    const alice = await t.agent();
    const { raw: first, hello } = await rawAuthed(t, alice.token);
    const second = await t.connect(alice.token);
    expect(await admin.call("admin/socket/close", { connectionId: hello.connectionId })).toEqual({});
    expect((await first.closed).code).toBe(4000);
    expect(second.connected).toBe(true);
    const left = await admin.call("admin/agent/get", { agentId: alice.id });
    expect(left.sockets).toHaveLength(1);
    await rejects(admin.call("admin/socket/close", { connectionId: hello.connectionId }), "NotFound");
  });

  it("admin/agent/suspend closes the agent's sockets with 4403; the inspector sees it leave", async () => {
    const { raw: feed } = await rawAuthed(t, t.adminToken);
    await feed.request("admin/feed/subscribe", {});
    const alice = await t.connectedAgent();
    const closed = nextClose(alice.client);
    await admin.call("admin/agent/suspend", { agentId: alice.id });
    expect(await closed).toBe(4403);
    await feed.next(
      (f) =>
        !Array.isArray(f) &&
        f.method === "admin/feed/event" &&
        f.params?.kind === "agent.disconnected" &&
        f.params.agentId === alice.id,
    );
    expect((await admin.call("admin/agent/get", { agentId: alice.id })).agent.status).toBe("suspended");
  });
});
