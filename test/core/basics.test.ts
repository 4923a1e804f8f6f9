import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";

describe("a task on the default app carries messages between two agents", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("opens a task with its first conversation, sends with seq 1 and delivers message/received", async () => {
    const alice = await t.connectedAgent();
    const bob = await t.connectedAgent();
    const created = bob.client.once("task/created");
    const { task, conversation } = await alice.client.call("task/request", {
      invitedAgentIds: [bob.id],
      initialConversation: {},
    });
    expect(task.status).toBe("active");
    expect(conversation).not.toBeNull();
    const note = await created;
    expect(note.task.id).toBe(task.id);
    expect(note.cursor).toMatch(/^\d+$/);

    const received = bob.client.once("message/received");
    const { message } = await alice.client.call("messages/send", {
      taskId: task.id,
      conversationId: conversation!.id,
      parts: [{ type: "text", text: "hello" }],
    });
    expect(message.seq).toBe(1);
    expect((await received).message.id).toBe(message.id);
  });

  it("answers an unknown method with MethodNotFound", async () => {
    const alice = await t.connectedAgent();
    await rejects(alice.client.call("no/such" as "system/ping"), "MethodNotFound");
  });
});
