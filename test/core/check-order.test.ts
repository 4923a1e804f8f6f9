import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { acceptingApp, dataOf, openTask, rawAuthed, text, type Connected, type OpenTask } from "../helpers/scenario.ts";

/**
 * The order of checks: 5.3 (conversation create), 5.4 (messages/send) and
 * fine print 10.1 (visibility), 10.2 (params, then authority, then
 * resources, then state) and 10.3. Each case breaks several rules at once
 * and expects the error of the rule that comes first.
 */

describe("order of checks", () => {
  let t: TestHub;
  let owner: Awaited<ReturnType<typeof acceptingApp>>;
  let stranger: Awaited<ReturnType<typeof acceptingApp>>;
  let alice: Connected;
  let bob: Connected;
  let carol: Connected;
  /** Active, with a conversation of alice and bob. */
  let active: OpenTask;
  /** Closed, and its conversation archived. */
  let closed: OpenTask;
  let hookCalls = 0;

  beforeAll(async () => {
    t = await TestHub.start({ maxParticipants: 2 });
    owner = await acceptingApp(t, { manifest: { hooks: { messageAuthorize: true } } });
    owner.client.handle("message/authorize", () => {
      hookCalls++;
      return { decision: "block", reason: "the hook ran" };
    });
    stranger = await acceptingApp(t);
    [alice, bob, carol] = await Promise.all([t.connectedAgent(), t.connectedAgent(), t.connectedAgent()]);
    active = await openTask(alice, [bob], { appId: owner.id });
    closed = await openTask(alice, [bob], { appId: owner.id });
    await owner.client.call("task/conversation/archive", {
      taskId: closed.task.id,
      conversationId: closed.conversation.id,
    });
    await owner.client.call("task/close", { taskId: closed.task.id });
  });
  afterAll(() => t.stop());

  describe("5.3 app/conversation/create: owning app → task exists and active → agents exist → admitted → cap", () => {
    const create = (app: Connected<unknown>, taskId: string, participants: string[]) =>
      app.client.call("app/conversation/create", { taskId, participants });

    it("params come first (10.2): a bad name is InvalidParams even for another app's closed task", async () => {
      await rejects(
        stranger.client.call("app/conversation/create", { taskId: closed.task.id, name: "", participants: [] }),
        "InvalidParams",
      );
    });

    it("owning app: another app gets Forbidden whatever else is wrong", async () => {
      await rejects(create(stranger, closed.task.id, ["agt_ghost", carol.id, alice.id, bob.id]), "Forbidden");
    });

    it("then the task: TaskNotFound, then TaskClosed before any agent check", async () => {
      await rejects(create(owner, "tsk_nothing", ["agt_ghost"]), "TaskNotFound");
      await rejects(create(owner, closed.task.id, ["agt_ghost", carol.id, alice.id, bob.id]), "TaskClosed");
    });

    it("then agents exist (AgentNotFound) before admission (ParticipantNotAdmitted) before the cap (ConversationFull)", async () => {
      const unknown = await rejects(
        create(owner, active.task.id, ["agt_ghost", carol.id, alice.id, bob.id]),
        "AgentNotFound",
      );
      expect(dataOf(unknown).agentIds).toEqual(["agt_ghost"]);
      const outside = await rejects(
        create(owner, active.task.id, [carol.id, alice.id, bob.id]),
        "ParticipantNotAdmitted",
      );
      expect(dataOf(outside).agentIds).toEqual([carol.id]);
      const dave = await t.agent();
      await owner.client.call("task/participants/add", { taskId: active.task.id, agentId: dave.id });
      await rejects(create(owner, active.task.id, [dave.id, alice.id, bob.id]), "ConversationFull");
      expect((await create(owner, active.task.id, [dave.id, alice.id])).conversation.taskId).toBe(active.task.id);
    });

    it("app/conversation/update: owning app, then the conversation exists, then the task is active", async () => {
      const update = (app: Connected<unknown>, taskId: string, conversationId: string) =>
        app.client.call("app/conversation/update", { taskId, conversationId, action: { type: "unarchive" } });
      await rejects(update(stranger, closed.task.id, "cnv_nothing"), "Forbidden");
      await rejects(update(owner, closed.task.id, "cnv_nothing"), "ConversationNotFound");
      await rejects(update(owner, closed.task.id, closed.conversation.id), "TaskClosed");
    });
  });

  describe("10.2 task/participants/add: resources before state", () => {
    it("an unknown agent is AgentNotFound even on a closed task; a known one is TaskClosed", async () => {
      const add = (agentId: string) => owner.client.call("task/participants/add", { taskId: closed.task.id, agentId });
      await rejects(add("agt_ghost"), "AgentNotFound");
      await rejects(add(carol.id), "TaskClosed");
    });
  });

  describe("5.4 messages/send: participant → task active → not archived → parts valid → references → app hook", () => {
    const send = (who: Connected, where: OpenTask, extra: Record<string, unknown> = {}) =>
      who.client.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: text("hi"),
        ...extra,
      });
    const huge = [
      { type: "text" as const, text: "x".repeat(32768) },
      { type: "text" as const, text: "y".repeat(32768) },
    ];

    it("params decode first (10.2): an outsider with an empty parts list gets InvalidParams", async () => {
      await rejects(send(carol, closed, { parts: [] }), "InvalidParams");
    });

    it("an outsider gets NotAParticipant, even for a closed task and an archived conversation", async () => {
      await rejects(send(carol, closed, { parts: huge, replyToId: "msg_nothing" }), "NotAParticipant");
      // A conversation id from another task is not this task's conversation.
      await rejects(
        alice.client.call("messages/send", {
          taskId: active.task.id,
          conversationId: closed.conversation.id,
          parts: text("x"),
        }),
        "NotAParticipant",
      );
    });

    it("a participant of a closed task gets TaskClosed before ConversationArchived", async () => {
      await rejects(send(alice, closed, { parts: huge, replyToId: "msg_nothing" }), "TaskClosed");
    });

    it("then ConversationArchived before the parts' size and references, and the hook is never asked", async () => {
      const archivedOnly = await openTask(alice, [bob], { appId: owner.id });
      await owner.client.call("task/conversation/archive", {
        taskId: archivedOnly.task.id,
        conversationId: archivedOnly.conversation.id,
      });
      const before = hookCalls;
      await rejects(send(alice, archivedOnly, { parts: huge, replyToId: "msg_nothing" }), "ConversationArchived");
      await rejects(send(alice, active, { parts: huge, replyToId: "msg_nothing" }), "InvalidParams");
      await rejects(send(alice, active, { replyToId: "msg_nothing" }), "MessageNotFound");
      expect(hookCalls).toBe(before);
      // Only a message that passes every other check reaches the hook.
      const err = await rejects(send(alice, active), "HookBlocked");
      expect(dataOf(err).reason).toBe("the hook ran");
      expect(hookCalls).toBe(before + 1);
    });
  });

  describe("10.1 visibility", () => {
    const send = (who: Connected, where: OpenTask) =>
      who.client.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: text("x"),
      });

    it("an agent outside a task gets TaskNotFound from task/* and NotAParticipant from conversations and messages", async () => {
      for (const call of [
        () => carol.client.call("task/get", { taskId: active.task.id }),
        () => carol.client.call("task/leave", { taskId: active.task.id }),
      ]) {
        await rejects(call(), "TaskNotFound");
      }
      for (const call of [
        () => carol.client.call("messages/list", { taskId: active.task.id, conversationId: active.conversation.id }),
        () => carol.client.call("agent/conversation/read", { conversationId: active.conversation.id, seq: 0 }),
        () => send(carol, active),
      ]) {
        await rejects(call(), "NotAParticipant");
      }
    });

    it("an app that does not own the task gets Forbidden from every task and conversation method", async () => {
      const ref = { taskId: active.task.id, conversationId: active.conversation.id };
      for (const call of [
        () => stranger.client.call("task/get", { taskId: active.task.id }),
        () => stranger.client.call("task/close", { taskId: active.task.id }),
        () => stranger.client.call("task/participants/add", { taskId: active.task.id, agentId: carol.id }),
        () => stranger.client.call("task/participants/remove", { taskId: active.task.id, agentId: bob.id }),
        () => stranger.client.call("app/conversation/create", { taskId: active.task.id, participants: [alice.id] }),
        () => stranger.client.call("app/conversation/update", { ...ref, action: { type: "archive" } }),
        () => stranger.client.call("task/conversation/list", { taskId: active.task.id }),
      ]) {
        const err = await rejects(call(), "Forbidden");
        expect(dataOf(err).reason).toBe("not_owner");
      }
      // Nothing changed.
      expect((await owner.client.call("task/get", { taskId: active.task.id })).task.status).toBe("active");
    });
  });

  describe("10.2 and 10.3 on the wire", () => {
    it("MethodNotFound for the caller's type comes before params are looked at", async () => {
      const { raw } = await rawAuthed(t, alice.token);
      const answer = await raw.request("task/close", null);
      expect(answer.error?.data.tag).toBe("MethodNotFound");
    });

    it("Unauthorized comes before params are looked at", async () => {
      const raw = await t.raw();
      const answer = await raw.request("task/list", { bogus: true });
      expect(answer.error?.data.tag).toBe("Unauthorized");
    });

    it("params: null and params that are not an object are InvalidParams (10.3, 10.19)", async () => {
      const { raw } = await rawAuthed(t, alice.token);
      for (const params of [null, [], "x"]) {
        const answer = await raw.request("task/get", params);
        expect(answer.error?.data.tag).toBe("InvalidParams");
      }
    });
  });
});
