import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { acceptingApp, dataOf, eventLog, loggedMethods, openTask, say, type Connected } from "../helpers/scenario.ts";
import type { SwitchboardClient } from "../../client/index.ts";

/** Sections 5.1 and 5.2, with fine print 10.1, 10.7, 10.17 and 10.19. */

describe("sections 5.1 and 5.2: tasks", () => {
  let t: TestHub;
  let app: Awaited<ReturnType<typeof acceptingApp>>;
  let otherApp: Awaited<ReturnType<typeof acceptingApp>>;
  beforeAll(async () => {
    t = await TestHub.start();
    [app, otherApp] = await Promise.all([acceptingApp(t), acceptingApp(t)]);
  });
  afterAll(() => t.stop());

  /** `n` new connected agents, for destructuring (never more names than `n`). */
  const agents = (n: 1 | 2 | 3) =>
    Promise.all(Array.from({ length: n }, () => t.connectedAgent())) as Promise<[Connected, Connected, Connected]>;
  const ids = (items: ReadonlyArray<{ id: string }>) => items.map((i) => i.id);

  describe("task/request", () => {
    it("answers conversation null without initialConversation, and one with every participant for {}", async () => {
      const [alice, bob, carol] = await agents(3);
      const bare = await alice.client.call("task/request", { invitedAgentIds: [bob.id] });
      expect(bare.conversation).toBeNull();
      expect(bare.task).toMatchObject({ appId: "app_default", initiatorAgentId: alice.id, status: "active" });
      expect((await bob.client.call("agent/conversation/list", {})).items).toEqual([]);

      const full = await alice.client.call("task/request", {
        invitedAgentIds: [bob.id, carol.id],
        initialConversation: {},
      });
      const { items } = await carol.client.call("agent/conversation/list", {});
      expect(items).toEqual([
        {
          taskId: full.task.id,
          conversation: full.conversation,
          participants: expect.arrayContaining([alice.id, bob.id, carol.id]),
          unreadCount: 0,
        },
      ]);
      expect(items[0]!.participants).toHaveLength(3);
    });

    it("admits the initiator and the invitees once each, however often they are named", async () => {
      const [alice, bob] = await agents(2);
      const { task } = await alice.client.call("task/request", { invitedAgentIds: [bob.id, bob.id, alice.id] });
      const { participants } = await alice.client.call("task/get", { taskId: task.id });
      expect(participants.map((p) => p.agentId).sort()).toEqual([alice.id, bob.id].sort());
    });

    it("is AgentNotFound for unknown invitees and for an unknown initial participant (10.19); nothing is stored", async () => {
      const [alice, bob] = await agents(2);
      const invitee = await rejects(
        alice.client.call("task/request", { invitedAgentIds: [bob.id, "agt_ghost"], initialConversation: {} }),
        "AgentNotFound",
      );
      expect(dataOf(invitee).agentIds).toEqual(["agt_ghost"]);
      const member = await rejects(
        alice.client.call("task/request", {
          invitedAgentIds: [bob.id],
          initialConversation: { participants: [alice.id, "agt_ghost2"] },
        }),
        "AgentNotFound",
      );
      expect(dataOf(member).agentIds).toEqual(["agt_ghost2"]);
      expect((await alice.client.call("task/list", {})).items).toEqual([]);
      expect(await loggedMethods(bob.client)).toEqual([]);
    });

    it("is ParticipantNotAdmitted for an initial participant outside the task (10.7); nothing is stored", async () => {
      const [alice, bob, carol] = await agents(3);
      const err = await rejects(
        alice.client.call("task/request", {
          invitedAgentIds: [bob.id],
          initialConversation: { participants: [alice.id, carol.id] },
        }),
        "ParticipantNotAdmitted",
      );
      expect(dataOf(err).agentIds).toEqual([carol.id]);
      expect((await alice.client.call("task/list", {})).items).toEqual([]);
      expect((await bob.client.call("task/list", {})).items).toEqual([]);
    });

    it("refuses an initial conversation with an empty participants list (InvalidParams); nothing is stored", async () => {
      const [alice, bob] = await agents(2);
      const err = await rejects(
        alice.client.call("task/request", { invitedAgentIds: [bob.id], initialConversation: { participants: [] } }),
        "InvalidParams",
      );
      expect(dataOf(err).issues[0].path).toEqual(["initialConversation", "participants"]);
      expect((await alice.client.call("task/list", {})).items).toEqual([]);
    });

    it("creates the initial conversation with only the named participants", async () => {
      const [alice, bob, carol] = await agents(3);
      const { task, conversation } = await alice.client.call("task/request", {
        invitedAgentIds: [bob.id, carol.id],
        initialConversation: { name: "just us", participants: [alice.id, bob.id] },
      });
      expect(conversation).toMatchObject({ taskId: task.id, name: "just us", createdBy: alice.id });
      expect((await carol.client.call("agent/conversation/list", {})).items).toEqual([]);
      expect((await bob.client.call("agent/conversation/list", {})).items[0]!.participants.toSorted()).toEqual(
        [alice.id, bob.id].sort(),
      );
    });
  });

  describe("task/list and task/get", () => {
    it("lists the caller's tasks newest first, by status, in pages that survive inserts", async () => {
      const [alice, bob] = await agents(2);
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await openTask(alice, [bob], { appId: app.id })).task.id);
      await app.client.call("task/close", { taskId: made[1]! });

      expect(ids((await bob.client.call("task/list", {})).items)).toEqual([...made].reverse());
      expect(ids((await bob.client.call("task/list", { status: "closed" })).items)).toEqual([made[1]]);
      expect(ids((await bob.client.call("task/list", { status: "active" })).items)).toEqual([
        made[4],
        made[3],
        made[2],
        made[0],
      ]);
      expect((await bob.client.call("task/list", { status: "failed" })).items).toEqual([]);

      const first = await bob.client.call("task/list", { limit: 2 });
      expect(ids(first.items)).toEqual([made[4], made[3]]);
      // A newer task does not shift the pages that follow.
      made.push((await openTask(alice, [bob])).task.id);
      const second = await bob.client.call("task/list", { limit: 2, cursor: first.nextCursor! });
      expect(ids(second.items)).toEqual([made[2], made[1]]);
      const third = await bob.client.call("task/list", { limit: 2, cursor: second.nextCursor! });
      expect(ids(third.items)).toEqual([made[0]]);
      expect(third.nextCursor).toBeUndefined();
    });

    it("gets a task with its participants, for participants and the owning app", async () => {
      const [alice, bob] = await agents(2);
      const { task } = await openTask(alice, [bob], { appId: app.id });
      const forAlice = await alice.client.call("task/get", { taskId: task.id });
      expect(forAlice.task).toEqual(task);
      expect(forAlice.participants).toEqual(
        expect.arrayContaining([
          { agentId: alice.id, admittedAt: expect.any(String) },
          { agentId: bob.id, admittedAt: expect.any(String) },
        ]),
      );
      expect(await app.client.call("task/get", { taskId: task.id })).toEqual(forAlice);
    });

    it("hides a task from outsiders (TaskNotFound) and refuses other apps (Forbidden) (10.1)", async () => {
      const [alice, bob, carol] = await agents(3);
      const { task } = await openTask(alice, [bob], { appId: app.id });
      await rejects(carol.client.call("task/get", { taskId: task.id }), "TaskNotFound");
      const err = await rejects(otherApp.client.call("task/get", { taskId: task.id }), "Forbidden");
      expect(dataOf(err).reason).toBe("not_owner");
      await rejects(app.client.call("task/get", { taskId: "tsk_nothing" }), "TaskNotFound");
    });
  });

  describe("task/leave", () => {
    it("removes the caller from the task and from every conversation of it at once", async () => {
      const [alice, bob, carol] = await agents(3);
      const where = await openTask(alice, [bob, carol], { appId: app.id });
      const { conversation: second } = await app.client.call("app/conversation/create", {
        taskId: where.task.id,
        participants: [bob.id, carol.id],
      });
      expect(await bob.client.call("task/leave", { taskId: where.task.id })).toEqual({});

      expect((await bob.client.call("agent/conversation/list", {})).items).toEqual([]);
      for (const conversationId of [where.conversation.id, second.id]) {
        const { items } = await carol.client.call("agent/conversation/list", {});
        expect(items.find((i) => i.conversation.id === conversationId)!.participants).not.toContain(bob.id);
      }
      const { participants } = await alice.client.call("task/get", { taskId: where.task.id });
      expect(participants.map((p) => p.agentId)).not.toContain(bob.id);
      // Once out, the task is invisible and its conversations closed to bob.
      await rejects(bob.client.call("task/get", { taskId: where.task.id }), "TaskNotFound");
      await rejects(say(bob, where, "still here?"), "NotAParticipant");
      expect((await bob.client.call("task/list", {})).items).toEqual([]);
      // The task goes on for the others.
      expect((await alice.client.call("task/get", { taskId: where.task.id })).task.status).toBe("active");
      expect((await say(alice, where, "carry on")).seq).toBe(1);
    });

    it("closes the task when the last participant leaves; leaving twice is a no-op", async () => {
      const [alice, bob] = await agents(2);
      const where = await openTask(alice, [bob], { appId: app.id });
      await alice.client.call("task/leave", { taskId: where.task.id });
      expect(await alice.client.call("task/leave", { taskId: where.task.id })).toEqual({});
      expect((await app.client.call("task/get", { taskId: where.task.id })).task.status).toBe("active");
      await bob.client.call("task/leave", { taskId: where.task.id });
      const { task, participants } = await app.client.call("task/get", { taskId: where.task.id });
      expect(task).toMatchObject({ status: "closed", endedAt: expect.any(String) });
      expect(participants).toEqual([]);
      expect(await bob.client.call("task/leave", { taskId: where.task.id })).toEqual({});
      // A repeat leave told nobody anything more.
      // Alice heard only her own removal; bob heard alice's and his own.
      const removals = async (who: Connected) =>
        (await loggedMethods(who.client)).filter((m) => m === "agent/conversation/participants-removed");
      expect(await removals(alice)).toHaveLength(1);
      expect(await removals(bob)).toHaveLength(2);
      expect((await loggedMethods(bob.client)).filter((m) => m === "task/closed")).toHaveLength(1);
    });

    it("is TaskNotFound for an agent that never was in the task (10.17)", async () => {
      const [alice, bob, carol] = await agents(3);
      const where = await openTask(alice, [bob]);
      await rejects(carol.client.call("task/leave", { taskId: where.task.id }), "TaskNotFound");
      await rejects(carol.client.call("task/leave", { taskId: "tsk_nothing" }), "TaskNotFound");
    });
  });

  describe("task/close", () => {
    it("closes a task the app owns; it then takes no messages and no changes", async () => {
      const [alice, bob] = await agents(2);
      const where = await openTask(alice, [bob], { appId: app.id });
      const { task } = await app.client.call("task/close", { taskId: where.task.id });
      expect(task).toMatchObject({ id: where.task.id, status: "closed", endedAt: expect.any(String) });
      await rejects(app.client.call("task/close", { taskId: where.task.id }), "TaskClosed");
      await rejects(say(alice, where, "hello?"), "TaskClosed");
      const carol = await t.agent();
      await rejects(
        app.client.call("task/participants/add", { taskId: where.task.id, agentId: carol.id }),
        "TaskClosed",
      );
      await rejects(
        app.client.call("app/conversation/create", { taskId: where.task.id, participants: [alice.id] }),
        "TaskClosed",
      );
      // Messages stay readable.
      expect(
        (await alice.client.call("messages/list", { taskId: where.task.id, conversationId: where.conversation.id }))
          .items,
      ).toEqual([]);
    });

    it("is Forbidden for another app and TaskNotFound for an unknown task", async () => {
      const [alice, bob] = await agents(2);
      const where = await openTask(alice, [bob], { appId: app.id });
      await rejects(otherApp.client.call("task/close", { taskId: where.task.id }), "Forbidden");
      await rejects(app.client.call("task/close", { taskId: "tsk_nothing" }), "TaskNotFound");
      expect((await alice.client.call("task/get", { taskId: where.task.id })).task.status).toBe("active");
    });
  });

  describe("task/participants/add and remove", () => {
    it("admits an agent once, answering its participant entry", async () => {
      const [alice, bob, carol] = await agents(3);
      const where = await openTask(alice, [bob], { appId: app.id });
      const { participant } = await app.client.call("task/participants/add", {
        taskId: where.task.id,
        agentId: carol.id,
      });
      expect(participant).toEqual({ agentId: carol.id, admittedAt: expect.any(String) });
      const again = await app.client.call("task/participants/add", { taskId: where.task.id, agentId: carol.id });
      expect(again.participant).toEqual(participant);
      expect((await loggedMethods(carol.client)).filter((m) => m === "task/participants-added")).toHaveLength(1);
      expect(ids((await carol.client.call("task/list", {})).items)).toEqual([where.task.id]);
      // Admitted agents may join conversations.
      await app.client.call("task/conversation/participants/add", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        agentId: carol.id,
      });
      expect((await say(carol, where, "hi all")).senderId).toBe(carol.id);
    });

    it("is AgentNotFound (with data.agentIds) for an unknown agent, Forbidden for another app", async () => {
      const [alice, bob] = await agents(2);
      const where = await openTask(alice, [bob], { appId: app.id });
      const err = await rejects(
        app.client.call("task/participants/add", { taskId: where.task.id, agentId: "agt_ghost" }),
        "AgentNotFound",
      );
      expect(dataOf(err).agentIds).toEqual(["agt_ghost"]);
      await rejects(
        otherApp.client.call("task/participants/add", { taskId: where.task.id, agentId: alice.id }),
        "Forbidden",
      );
      await rejects(
        otherApp.client.call("task/participants/remove", { taskId: where.task.id, agentId: alice.id }),
        "Forbidden",
      );
    });

    it("removes an agent from the task and all its conversations (app_remove); it may be admitted again", async () => {
      const [alice, bob, carol] = await agents(3);
      const where = await openTask(alice, [bob, carol], { appId: app.id });
      const { conversation: side } = await app.client.call("app/conversation/create", {
        taskId: where.task.id,
        participants: [bob.id, carol.id],
      });
      expect(await app.client.call("task/participants/remove", { taskId: where.task.id, agentId: bob.id })).toEqual({});
      await rejects(bob.client.call("task/get", { taskId: where.task.id }), "TaskNotFound");
      expect((await bob.client.call("agent/conversation/list", {})).items).toEqual([]);
      const removals = (await eventLog(carol.client))
        .filter((e) => e.method === "agent/conversation/participants-removed")
        .map((e) => [e.params.conversationId, e.params.agentIds, e.params.reason]);
      expect(removals).toEqual([
        [where.conversation.id, [bob.id], "app_remove"],
        [side.id, [bob.id], "app_remove"],
      ]);
      const err = await rejects(
        app.client.call("task/participants/remove", { taskId: where.task.id, agentId: bob.id }),
        "ParticipantNotAdmitted",
      );
      expect(dataOf(err).agentIds).toEqual([bob.id]);

      await app.client.call("task/participants/add", { taskId: where.task.id, agentId: bob.id });
      expect((await bob.client.call("task/get", { taskId: where.task.id })).task.id).toBe(where.task.id);
    });
  });

  describe("app/task/list", () => {
    it("lists the app's own tasks newest first, by status, in pages", async () => {
      const own = await acceptingApp(t);
      const [alice, bob] = await agents(2);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) made.push((await openTask(alice, [bob], { appId: own.id })).task.id);
      await openTask(alice, [bob], { appId: app.id });
      await own.client.call("task/close", { taskId: made[0]! });
      expect(ids((await own.client.call("app/task/list", {})).items)).toEqual([...made].reverse());
      expect(ids((await own.client.call("app/task/list", { status: "closed" })).items)).toEqual([made[0]]);
      const first = await own.client.call("app/task/list", { limit: 2 });
      expect(ids(first.items)).toEqual([made[2], made[1]]);
      const second = await own.client.call("app/task/list", { limit: 2, cursor: first.nextCursor! });
      expect(ids(second.items)).toEqual([made[0]]);
      expect(second.nextCursor).toBeUndefined();
    });

    it("is for apps only", async () => {
      const [alice] = await agents(1);
      await rejects((alice.client as SwitchboardClient).call("app/task/list", {}), "MethodNotFound");
    });
  });
});
