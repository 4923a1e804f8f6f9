import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { acceptingApp, eventLog, openTask, say, until, type Connected, type OpenTask } from "../helpers/scenario.ts";
import type { MethodName } from "../../client/index.ts";

/** Section 5.3: conversations, their updates and lists, and the task/conversation/* aliases. */

const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("section 5.3: conversations", () => {
  let t: TestHub;
  let app: Awaited<ReturnType<typeof acceptingApp>>;
  let otherApp: Awaited<ReturnType<typeof acceptingApp>>;
  let alice: Connected;
  let bob: Connected;
  let carol: Connected;
  beforeAll(async () => {
    t = await TestHub.start();
    [app, otherApp] = await Promise.all([acceptingApp(t), acceptingApp(t)]);
    [alice, bob, carol] = await Promise.all([t.connectedAgent(), t.connectedAgent(), t.connectedAgent()]);
  });
  afterAll(() => t.stop());

  const newTask = () => openTask(alice, [bob, carol], { appId: app.id });
  /** Wait until the clock has moved past `stamp`, so that the next change sorts after it. */
  const after = (stamp: string) => until(() => new Date().toISOString() > stamp, "the clock to move on");

  describe("app/conversation/create", () => {
    it("answers the conversation, created by the app, among the named participants", async () => {
      const where = await newTask();
      const { conversation } = await app.client.call("app/conversation/create", {
        taskId: where.task.id,
        name: "planning",
        participants: [bob.id, carol.id, bob.id],
      });
      expect(conversation).toEqual({
        id: expect.stringMatching(/^cnv_/),
        taskId: where.task.id,
        name: "planning",
        createdBy: app.id,
        createdAt: expect.stringMatching(iso),
        updatedAt: conversation.createdAt,
      });
      const created = (await eventLog(carol.client)).filter(
        (e) =>
          e.method === "agent/conversation/created" && (e.params.conversation as { id: string }).id === conversation.id,
      );
      expect(created.map((e) => e.params.participants)).toEqual([[bob.id, carol.id]]);
      expect((await say(bob, { task: where.task, conversation }, "first")).seq).toBe(1);
    });

    it("takes a name of 1 to 100 characters and at least one participant", async () => {
      const where = await newTask();
      const create = (params: Record<string, unknown>) =>
        app.client.call("app/conversation/create", { taskId: where.task.id, participants: [bob.id], ...params });
      await rejects(create({ name: "" }), "InvalidParams");
      await rejects(create({ name: "n".repeat(101) }), "InvalidParams");
      await rejects(create({ participants: [] }), "InvalidParams");
      expect((await create({ name: "n".repeat(100) })).conversation.name).toHaveLength(100);
      expect((await create({})).conversation).not.toHaveProperty("name");
    });
  });

  describe("app/conversation/update", () => {
    let where: OpenTask;
    beforeAll(async () => {
      where = await newTask();
    });
    const update = (action: Record<string, unknown>) =>
      app.client.call("app/conversation/update", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        action: action as never,
      });
    const count = async (who: Connected, method: string) =>
      (await eventLog(who.client)).filter(
        (e) => e.method === method && e.params.conversationId === where.conversation.id,
      ).length;

    it("archives and unarchives, once each however often asked", async () => {
      const { conversation: archived } = await update({ type: "archive" });
      expect(archived.archivedAt).toMatch(iso);
      const again = await update({ type: "archive" });
      expect(again.conversation.archivedAt).toBe(archived.archivedAt);
      expect(await count(bob, "agent/conversation/archived")).toBe(1);
      await rejects(say(bob, where, "archived?"), "ConversationArchived");

      const { conversation: back } = await update({ type: "unarchive" });
      expect(back).not.toHaveProperty("archivedAt");
      await update({ type: "unarchive" });
      expect(await count(bob, "agent/conversation/unarchived")).toBe(1);
      expect((await say(bob, where, "back again")).senderId).toBe(bob.id);
    });

    it("removes and adds participants, a no-op when nothing changes", async () => {
      await update({ type: "remove-participant", agentId: carol.id });
      await update({ type: "remove-participant", agentId: carol.id });
      expect(await count(carol, "agent/conversation/participants-removed")).toBe(1);
      await rejects(say(carol, where, "me too"), "NotAParticipant");
      await update({ type: "add-participant", agentId: carol.id });
      await update({ type: "add-participant", agentId: carol.id });
      expect(await count(carol, "agent/conversation/participants-added")).toBe(1);
      expect((await say(carol, where, "I'm back")).senderId).toBe(carol.id);
    });

    it("refuses unknown action types and fields", async () => {
      await rejects(update({ type: "rename", name: "x" }), "InvalidParams");
      await rejects(update({ type: "archive", now: true }), "InvalidParams");
      await rejects(update({ type: "add-participant" }), "InvalidParams");
    });
  });

  describe("agent/conversation/list", () => {
    it("lists every conversation the caller is in, across tasks, archived included, most recent activity first", async () => {
      const dave = await t.connectedAgent();
      const one = await openTask(dave, [alice], { appId: app.id });
      await after(one.conversation.updatedAt);
      const two = await openTask(dave, [bob], { appId: app.id });
      await after(two.conversation.updatedAt);
      const three = await openTask(dave, [carol], { appId: otherApp.id });
      const order = async () =>
        (await dave.client.call("agent/conversation/list", {})).items.map((i) => i.conversation.id);
      expect(await order()).toEqual([three, two, one].map((w) => w.conversation.id));

      // A message makes its conversation the most recent.
      await after(three.conversation.updatedAt);
      const m = await say(alice, one, "bump");
      expect(await order()).toEqual([one, three, two].map((w) => w.conversation.id));
      // Archiving is activity too, and archived conversations stay listed.
      await after(m.createdAt);
      await app.client.call("task/conversation/archive", { taskId: two.task.id, conversationId: two.conversation.id });
      expect(await order()).toEqual([two, one, three].map((w) => w.conversation.id));

      const first = await dave.client.call("agent/conversation/list", { limit: 2 });
      expect(first.items.map((i) => i.conversation.id)).toEqual([two, one].map((w) => w.conversation.id));
      const second = await dave.client.call("agent/conversation/list", { limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((i) => i.conversation.id)).toEqual([three.conversation.id]);
      expect(second.nextCursor).toBeUndefined();
      expect(first.items[0]).toEqual({
        taskId: two.task.id,
        conversation: expect.objectContaining({ id: two.conversation.id, archivedAt: expect.stringMatching(iso) }),
        participants: expect.arrayContaining([dave.id, bob.id]),
        unreadCount: 0,
      });
      expect(first.items[0]!.participants).toHaveLength(2);
      expect(first.items[1]!.unreadCount).toBe(1);
    });
  });

  describe("task/conversation/list", () => {
    it("lists a task's conversations for its owning app, most recent activity first", async () => {
      const where = await newTask();
      await after(where.conversation.updatedAt);
      const { conversation: side } = await app.client.call("task/conversation/create", {
        taskId: where.task.id,
        participants: [carol.id],
      });
      const list = await app.client.call("task/conversation/list", { taskId: where.task.id });
      expect(list.items.map((i) => i.conversation.id)).toEqual([side.id, where.conversation.id]);
      expect(list.items[0]).toEqual({ taskId: where.task.id, conversation: side, participants: [carol.id] });
      expect(list.nextCursor).toBeUndefined();
      const paged = await app.client.call("task/conversation/list", { taskId: where.task.id, limit: 1 });
      expect(paged.items.map((i) => i.conversation.id)).toEqual([side.id]);
      const rest = await app.client.call("task/conversation/list", {
        taskId: where.task.id,
        limit: 1,
        cursor: paged.nextCursor!,
      });
      expect(rest.items.map((i) => i.conversation.id)).toEqual([where.conversation.id]);
    });

    it("is Forbidden for another app and TaskNotFound for an unknown task", async () => {
      const where = await newTask();
      await rejects(otherApp.client.call("task/conversation/list", { taskId: where.task.id }), "Forbidden");
      await rejects(app.client.call("task/conversation/list", { taskId: "tsk_nothing" }), "TaskNotFound");
    });
  });

  describe("task/conversation/* aliases", () => {
    it("do what app/conversation/* does", async () => {
      const where = await newTask();
      const { conversation } = await app.client.call("task/conversation/create", {
        taskId: where.task.id,
        name: "alias",
        participants: [alice.id],
      });
      const ref = { taskId: where.task.id, conversationId: conversation.id };
      const added = await app.client.call("task/conversation/participants/add", { ...ref, agentId: bob.id });
      expect(added.conversation.id).toBe(conversation.id);
      const archived = await app.client.call("task/conversation/archive", ref);
      expect(archived.conversation.archivedAt).toMatch(iso);
      const unarchived = await app.client.call("task/conversation/unarchive", ref);
      expect(unarchived.conversation).not.toHaveProperty("archivedAt");
      await app.client.call("task/conversation/participants/remove", { ...ref, agentId: alice.id });
      const list = await app.client.call("task/conversation/list", { taskId: where.task.id });
      expect(list.items.find((i) => i.conversation.id === conversation.id)!.participants).toEqual([bob.id]);
      const removed = (await eventLog(alice.client)).filter(
        (e) => e.method === "agent/conversation/participants-removed" && e.params.conversationId === conversation.id,
      );
      expect(removed.map((e) => e.params.reason)).toEqual(["app_remove"]);
    });

    it("are for the owning app only (10.17): agents get MethodNotFound, other apps Forbidden", async () => {
      const where = await newTask();
      const ref = { taskId: where.task.id, conversationId: where.conversation.id };
      const calls: Array<[MethodName, Record<string, unknown>]> = [
        ["task/conversation/create", { taskId: where.task.id, participants: [alice.id] }],
        ["task/conversation/list", { taskId: where.task.id }],
        ["task/conversation/archive", ref],
        ["task/conversation/unarchive", ref],
        ["task/conversation/participants/add", { ...ref, agentId: alice.id }],
        ["task/conversation/participants/remove", { ...ref, agentId: alice.id }],
        ["app/conversation/create", { taskId: where.task.id, participants: [alice.id] }],
        ["app/conversation/update", { ...ref, action: { type: "archive" } }],
      ];
      for (const [method, params] of calls) {
        await rejects(alice.client.call(method, params as never), "MethodNotFound");
        await rejects(otherApp.client.call(method, params as never), "Forbidden");
      }
      expect((await say(alice, where, "untouched")).seq).toBe(1);
    });
  });
});
