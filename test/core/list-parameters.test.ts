import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";

/**
 * better-sqlite3 binds `?NNN` parameters by name, not by position, so a
 * statement mixing them with plain `?` cannot be called with positional
 * values. These lists and agent/conversation/read used such statements.
 */
describe("the list methods bind their SQL parameters", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("answers task/list, app/task/list, agent/agents/list, agent/conversation/list and agent/conversation/read", async () => {
    const alice = await t.connectedAgent({ displayName: "Alice" });
    const bob = await t.connectedAgent();
    const { task, conversation } = await alice.client.call("task/request", {
      invitedAgentIds: [bob.id],
      initialConversation: {},
    });
    await alice.client.call("messages/send", {
      taskId: task.id,
      conversationId: conversation!.id,
      parts: [{ type: "text", text: "hi" }],
    });
    expect((await bob.client.call("task/list", {})).items.map((x) => x.id)).toEqual([task.id]);
    expect((await bob.client.call("task/list", { status: "active" })).items.map((x) => x.id)).toEqual([task.id]);
    expect((await bob.client.call("task/list", { status: "closed" })).items).toEqual([]);
    const listed = await bob.client.call("agent/conversation/list", {});
    expect(listed.items.map((x) => [x.conversation.id, x.unreadCount])).toEqual([[conversation!.id, 1]]);
    await bob.client.call("agent/conversation/read", { conversationId: conversation!.id, seq: 1 });
    expect((await bob.client.call("agent/conversation/list", {})).items[0]!.unreadCount).toBe(0);
    const found = await bob.client.call("agent/agents/list", { query: "Alice" });
    expect(found.items.map((x) => x.id)).toEqual([alice.id]);
    const app = await t.connectedApp();
    expect((await app.client.call("app/task/list", { status: "active" })).items).toEqual([]);
  });
});
