import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import {
  acceptingApp,
  dataOf,
  openTask,
  rawAuthed,
  say,
  text,
  type Connected,
  type OpenTask,
} from "../helpers/scenario.ts";
import type { RawSocket } from "../helpers/raw.ts";
import { errorTable, type ErrorTag } from "../../protocol/index.ts";

/**
 * Section 3: every error that sections 1 to 6 can raise, reached the way a
 * user reaches it, with its code, its tag, the data the table promises and a
 * message that says what to do. TaskRejected's reasons are in callbacks.test.ts.
 */

/** The error frame's shape is {code, message, data: {tag, ...}} with the table's code for the tag. */
const expectWireError = (
  frame: { error?: { code: number; message: string; data: { tag: string } } },
  tag: ErrorTag,
) => {
  expect(frame.error, JSON.stringify(frame)).toBeDefined();
  expect(frame.error!.data.tag).toBe(tag);
  expect(frame.error!.code).toBe(errorTable[tag].code);
  expect(frame.error!.message.length).toBeGreaterThan(15);
  expect(JSON.stringify(frame.error)).not.toMatch(/\bat .*\.ts:\d+/);
};

describe("section 3: every error of the core hub, reached as a user would", () => {
  let t: TestHub;
  let alice: Connected;
  let bob: Connected;
  let carol: Connected;
  let owner: Awaited<ReturnType<typeof acceptingApp>>;
  let stranger: Connected<unknown>;
  let work: OpenTask;
  let raw: RawSocket;

  beforeAll(async () => {
    t = await TestHub.start({ maxParticipants: 3 });
    [alice, bob, carol] = await Promise.all([t.connectedAgent(), t.connectedAgent(), t.connectedAgent()]);
    owner = await acceptingApp(t);
    stranger = await t.connectedApp();
    work = await openTask(alice, [bob], { appId: owner.id });
    raw = (await rawAuthed(t, alice.token)).raw;
  });
  afterAll(() => t.stop());

  it("ParseError (-32700): a frame that is not JSON, answered with id null; the socket stays open", async () => {
    raw.send("{not json");
    const frame = (await raw.next((f) => !Array.isArray(f) && f.error?.code === -32700)) as never;
    expectWireError(frame, "ParseError");
    expect((frame as { id: unknown }).id).toBeNull();
    expect((await raw.request("system/ping", {})).result).toBeDefined();
  });

  it("InvalidRequest (-32600): echoes a readable id, else null", async () => {
    raw.send({ jsonrpc: "1.0", id: 7, method: "system/ping" });
    const withId = (await raw.next((f) => !Array.isArray(f) && f.id === 7)) as never;
    expectWireError(withId, "InvalidRequest");

    raw.send({ jsonrpc: "2.0", id: "no-method" });
    expectWireError((await raw.next((f) => !Array.isArray(f) && f.id === "no-method")) as never, "InvalidRequest");

    const before = raw.frames.length;
    raw.send({ jsonrpc: "2.0", id: { not: "an id" }, method: "system/ping" });
    raw.send(42);
    raw.send({ jsonrpc: "2.0", id: "sentinel", method: "system/ping" });
    await raw.next((f) => !Array.isArray(f) && f.id === "sentinel");
    const answers = raw.frames.slice(before, -1) as Array<{ id: unknown }>;
    expect(answers).toHaveLength(2);
    for (const a of answers) {
      expectWireError(a as never, "InvalidRequest");
      expect(a.id).toBeNull();
    }
  });

  it("MethodNotFound (-32601): an unknown method, and a method this principal type may not call", async () => {
    expectWireError(await raw.request("no/such/method", {}), "MethodNotFound");
    // task/close is for apps.
    expectWireError(await raw.request("task/close", { taskId: work.task.id }), "MethodNotFound");
    await rejects(
      owner.client.call("messages/send", { taskId: "t", conversationId: "c", parts: text("x") }),
      "MethodNotFound",
    );
  });

  it("InvalidParams (-32602): unknown fields, params null or not an object, with data.issues paths", async () => {
    const unknownTop = await raw.request("task/list", { limit: 5, colour: "red" });
    expectWireError(unknownTop, "InvalidParams");
    expect(unknownTop.error!.data.issues).toContainEqual(expect.objectContaining({ path: ["colour"] }));

    const unknownNested = await raw.request("messages/send", {
      taskId: work.task.id,
      conversationId: work.conversation.id,
      parts: [{ type: "text", text: "hi", bold: true }],
    });
    expectWireError(unknownNested, "InvalidParams");
    expect(unknownNested.error!.data.issues.map((i: { path: unknown }) => i.path)).toContainEqual(["parts", 0, "bold"]);

    const deep = await raw.request("task/request", { invitedAgentIds: [], initialConversation: { topic: "x" } });
    expect(deep.error!.data.issues).toContainEqual(expect.objectContaining({ path: ["initialConversation", "topic"] }));

    for (const params of [null, [1, 2], "text", 3, true]) {
      const answer = await raw.request("task/list", params);
      expectWireError(answer, "InvalidParams");
      expect(answer.error!.data.issues).toEqual([{ path: [], message: expect.any(String) }]);
    }

    const wrongType = await raw.request("task/list", { limit: "ten" });
    expect(wrongType.error!.data.issues).toContainEqual(expect.objectContaining({ path: ["limit"] }));
    const missing = await raw.request("task/get", {});
    expect(missing.error!.data.issues).toContainEqual(expect.objectContaining({ path: ["taskId"] }));
    // A method that takes no params refuses any.
    const extra = await raw.request("system/ping", { now: true });
    expect(extra.error!.data.issues).toContainEqual(expect.objectContaining({ path: ["now"] }));
  });

  it("Unauthorized (-32000): before auth/connect, and with a bad token", async () => {
    const anonymous = await t.raw();
    expectWireError(await anonymous.request("task/list", {}), "Unauthorized");
    expectWireError(await anonymous.request("auth/connect", { token: "sb_agent.x.y" }), "Unauthorized");
  });

  it("Forbidden (-32001): an app acting on another app's task, with data.reason", async () => {
    const err = await rejects(stranger.client.call("task/close", { taskId: work.task.id }), "Forbidden");
    expect(dataOf(err).reason).toBe("not_owner");
    expect(err.message).toMatch(/owns/);
  });

  it("NotFound (-32002): rotating the token of nobody", async () => {
    const admin = await t.admin();
    await rejects(admin.call("admin/token/rotate", { principalId: "usr_nobody" }), "NotFound");
  });

  it("Conflict (-32003): a second auth/connect and a taken name", async () => {
    expectWireError(await raw.request("auth/connect", { token: alice.token }), "Conflict");
    const admin = await t.admin();
    await rejects(admin.call("admin/agent/create", { name: alice.record.name }), "Conflict");
  });

  it("ConversationFull (-32007): more participants than --max-participants", async () => {
    const dave = await t.connectedAgent();
    // Four members for a cap of three, in task/request's initial conversation: nothing is stored.
    const err = await rejects(
      alice.client.call("task/request", { invitedAgentIds: [bob.id, carol.id, dave.id], initialConversation: {} }),
      "ConversationFull",
    );
    expect(err.message).toMatch(/3/);
    expect((await dave.client.call("task/list", {})).items).toEqual([]);

    const { task } = await alice.client.call("task/request", {
      appId: owner.id,
      invitedAgentIds: [bob.id, carol.id, dave.id],
    });
    const everyone = [alice.id, bob.id, carol.id, dave.id];
    await rejects(
      owner.client.call("app/conversation/create", { taskId: task.id, participants: everyone }),
      "ConversationFull",
    );
    const { conversation } = await owner.client.call("app/conversation/create", {
      taskId: task.id,
      participants: everyone.slice(0, 3),
    });
    await rejects(
      owner.client.call("app/conversation/update", {
        taskId: task.id,
        conversationId: conversation.id,
        action: { type: "add-participant", agentId: dave.id },
      }),
      "ConversationFull",
    );
  });

  it("ProtocolMismatch (-32008): a version window without 1, with data.serverVersion", async () => {
    const fresh = await t.raw();
    const answer = await fresh.request("auth/connect", { token: alice.token, minProtocol: "2" });
    expectWireError(answer, "ProtocolMismatch");
    expect(answer.error!.data).toMatchObject({ serverVersion: "1" });
  });

  it("AppNotFound (-32010): a task on an unknown app", async () => {
    await rejects(alice.client.call("task/request", { appId: "app_nobody", invitedAgentIds: [] }), "AppNotFound");
  });

  it("AgentNotFound (-32011): unknown invitees, listed in data.agentIds, and nothing stored", async () => {
    const erin = await t.connectedAgent();
    const err = await rejects(
      alice.client.call("task/request", { invitedAgentIds: [erin.id, "agt_ghost1", "agt_ghost2"] }),
      "AgentNotFound",
    );
    expect(dataOf(err).agentIds).toEqual(["agt_ghost1", "agt_ghost2"]);
    expect((await erin.client.call("task/list", {})).items).toEqual([]);
  });

  it("UserNotFound (-32012): an agent owned by an unknown user", async () => {
    const admin = await t.admin();
    await rejects(admin.call("admin/agent/create", { name: "no-owner", ownerUserId: "usr_ghost" }), "UserNotFound");
  });

  it("HookBlocked (-32019): the task's app blocks a message, with data.reason", async () => {
    const hooked = await t.connectedApp({ manifest: { hooks: { messageAuthorize: true } } });
    hooked.client.handle("task/create", () => ({ verdict: "accept" }));
    hooked.client.handle("message/authorize", () => ({ decision: "block", reason: "no shouting" }));
    const where = await openTask(alice, [bob], { appId: hooked.id });
    const err = await rejects(say(alice, where, "HELLO"), "HookBlocked");
    expect(dataOf(err).reason).toBe("no shouting");
    expect(err.message).toMatch(/no shouting/);
  });

  it("TaskClosed (-32020): sending into a closed task", async () => {
    const where = await openTask(alice, [bob], { appId: owner.id });
    await owner.client.call("task/close", { taskId: where.task.id });
    const err = await rejects(say(alice, where, "anyone?"), "TaskClosed");
    expect(err.message).toMatch(/task\/request/);
  });

  it("TaskNotFound (-32021): a task the caller is not in, and one that does not exist", async () => {
    await rejects(carol.client.call("task/get", { taskId: work.task.id }), "TaskNotFound");
    await rejects(carol.client.call("task/get", { taskId: "tsk_nothing" }), "TaskNotFound");
  });

  it("ConversationArchived (-32022): sending into an archived conversation", async () => {
    const where = await openTask(alice, [bob], { appId: owner.id });
    await owner.client.call("task/conversation/archive", {
      taskId: where.task.id,
      conversationId: where.conversation.id,
    });
    const err = await rejects(say(bob, where, "still there?"), "ConversationArchived");
    expect(err.message).toMatch(/unarchive/);
  });

  it("ParticipantNotAdmitted (-32023): a conversation member outside the task, in data.agentIds", async () => {
    const err = await rejects(
      owner.client.call("app/conversation/create", { taskId: work.task.id, participants: [alice.id, carol.id] }),
      "ParticipantNotAdmitted",
    );
    expect(dataOf(err).agentIds).toEqual([carol.id]);
  });

  it("ConversationNotFound (-32025): a conversation that is not in that task", async () => {
    const other = await openTask(alice, [bob], { appId: owner.id });
    await rejects(
      owner.client.call("task/conversation/archive", { taskId: work.task.id, conversationId: other.conversation.id }),
      "ConversationNotFound",
    );
    const err = await rejects(
      owner.client.call("task/conversation/archive", { taskId: work.task.id, conversationId: "cnv_nothing" }),
      "ConversationNotFound",
    );
    expect(err.message).toMatch(/task\/conversation\/list/);
  });

  it("NotAParticipant (-32026): sending to or listing a conversation the caller is not in", async () => {
    const err = await rejects(say(carol, work, "let me in"), "NotAParticipant");
    expect(err.message).toMatch(/agent\/conversation\/list/);
    await rejects(
      carol.client.call("messages/list", { taskId: work.task.id, conversationId: work.conversation.id }),
      "NotAParticipant",
    );
    await rejects(
      carol.client.call("agent/conversation/read", { conversationId: work.conversation.id, seq: 1 }),
      "NotAParticipant",
    );
  });

  it("MessageNotFound (-32027): replying to a message that is not in the conversation", async () => {
    const elsewhere = await openTask(alice, [bob], { appId: owner.id });
    const foreign = await say(alice, elsewhere, "over here");
    for (const replyToId of [foreign.id, "msg_nothing"]) {
      const err = await rejects(
        alice.client.call("messages/send", {
          taskId: work.task.id,
          conversationId: work.conversation.id,
          parts: text("re"),
          replyToId,
        }),
        "MessageNotFound",
      );
      expect(err.message).toMatch(/replyToId/);
    }
  });
});

describe("section 1: RateLimited (-32004) past the per-connection token bucket", () => {
  it("answers RateLimited with data.retryAfterMs, keeps the socket, and serves again after the wait", async () => {
    const t = await TestHub.start({ rateLimit: 2, rateBurst: 4 });
    try {
      const alice = await t.agent();
      const { raw } = await rawAuthed(t, alice.token);
      const answers = await Promise.all(Array.from({ length: 8 }, () => raw.request("system/ping", {})));
      const limited = answers.filter((a) => a.error !== undefined);
      expect(limited.length).toBeGreaterThanOrEqual(4);
      expect(answers.filter((a) => a.result !== undefined).length).toBeGreaterThanOrEqual(2);
      for (const a of limited) {
        expectWireError(a, "RateLimited");
        expect(a.error!.data).toMatchObject({ retryAfterMs: expect.any(Number) });
        expect(a.error!.data.retryAfterMs as number).toBeGreaterThan(0);
        expect(a.error!.data.retryAfterMs as number).toBeLessThanOrEqual(500);
      }
      const wait = Math.max(...limited.map((a) => a.error!.data.retryAfterMs as number));
      await new Promise((resolve) => setTimeout(resolve, wait));
      expect((await raw.request("system/ping", {})).result).toBeDefined();
      // Another connection has its own bucket.
      const other = await rawAuthed(t, alice.token);
      expect((await other.raw.request("system/ping", {})).result).toBeDefined();
    } finally {
      await t.stop();
    }
  });
});
