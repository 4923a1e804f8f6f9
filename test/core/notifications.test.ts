import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { acceptingApp, eventLog, openTask, say, until, type Connected, type LoggedItem } from "../helpers/scenario.ts";
import type { SwitchboardClient } from "../../client/index.ts";

/**
 * Section 9: each notification of the core hub, with its exact params and
 * exactly its recipients. Every principal's whole event log is compared at
 * the end, so a notification sent to someone it is not for shows up as an
 * extra entry; a bystander's log must stay empty. Live pushes must equal the
 * log, cursor included (section 6).
 */

/** Record every notification a client is pushed. */
const recorder = (client: SwitchboardClient) => {
  const pushed: LoggedItem[] = [];
  client.onAny((method, params) => pushed.push({ cursor: params.cursor as string, method, params }));
  return pushed;
};

/** The principal's log, and a check that what was pushed live is exactly that log. */
const logOf = async (who: { client: SwitchboardClient }, pushed: LoggedItem[]) => {
  const log = await eventLog(who.client);
  await until(() => pushed.length >= log.length, "the live pushes to catch up with the log");
  expect(pushed).toEqual(log);
  for (const item of log) expect(item.params.cursor).toBe(item.cursor);
  return log;
};

const methodsOf = (log: LoggedItem[]) => log.map((e) => e.method);

describe("section 9: notifications and their recipients", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("a task's life on its app: each notification reaches exactly its recipients", async () => {
    const app = await acceptingApp(t);
    const [alice, bob, carol, dave, bystander] = await Promise.all([
      t.connectedAgent(),
      t.connectedAgent(),
      t.connectedAgent(),
      t.connectedAgent(),
      t.connectedAgent(),
    ]);
    const pushed = new Map<Connected, LoggedItem[]>(
      [alice, bob, carol, dave, bystander].map((a) => [a, recorder(a.client)]),
    );
    const appPushed = recorder(app.client);

    // task/created to every task participant; agent/conversation/created to the conversation's participants only.
    const { task, conversation } = await alice.client.call("task/request", {
      appId: app.id,
      invitedAgentIds: [bob.id, carol.id],
      title: "offsite",
      initialConversation: { name: "pair", participants: [alice.id, bob.id] },
    });
    const pair = conversation!;
    const ref = { taskId: task.id, conversationId: pair.id };

    // task/participants-added to the task's participants, the new one included.
    await app.client.call("task/participants/add", { taskId: task.id, agentId: dave.id });
    // A second conversation without alice and bob.
    const { conversation: side } = await app.client.call("app/conversation/create", {
      taskId: task.id,
      name: "side",
      participants: [carol.id, dave.id],
    });
    // participants-added to the participants after the change.
    await app.client.call("app/conversation/update", { ...ref, action: { type: "add-participant", agentId: dave.id } });
    const { conversation: archived } = await app.client.call("app/conversation/update", {
      ...ref,
      action: { type: "archive" },
    });
    await app.client.call("app/conversation/update", { ...ref, action: { type: "unarchive" } });
    // participants-removed to the participants before the change, the removed one included.
    await app.client.call("app/conversation/update", {
      ...ref,
      action: { type: "remove-participant", agentId: bob.id },
    });
    // message/received to every participant but the sender.
    const message = await say(alice, { task, conversation: pair }, "hello dave");
    const { task: closed } = await app.client.call("task/close", { taskId: task.id });

    const logs = new Map<Connected, LoggedItem[]>();
    for (const [who, items] of pushed) logs.set(who, await logOf(who, items));
    const [aliceLog, bobLog, carolLog, daveLog, bystanderLog] = [alice, bob, carol, dave, bystander].map(
      (a): LoggedItem[] => logs.get(a)!,
    ) as [LoggedItem[], LoggedItem[], LoggedItem[], LoggedItem[], LoggedItem[]];

    expect(methodsOf(aliceLog)).toEqual([
      "task/created",
      "agent/conversation/created",
      "task/participants-added",
      "agent/conversation/participants-added",
      "agent/conversation/archived",
      "agent/conversation/unarchived",
      "agent/conversation/participants-removed",
      "task/closed",
    ]);
    expect(methodsOf(bobLog)).toEqual(methodsOf(aliceLog));
    expect(methodsOf(carolLog)).toEqual([
      "task/created",
      "task/participants-added",
      "agent/conversation/created",
      "task/closed",
    ]);
    expect(methodsOf(daveLog)).toEqual([
      "task/participants-added",
      "agent/conversation/created",
      "agent/conversation/participants-added",
      "agent/conversation/archived",
      "agent/conversation/unarchived",
      "agent/conversation/participants-removed",
      "message/received",
      "task/closed",
    ]);
    expect(bystanderLog).toEqual([]);
    // Apps are not addressees of any of these.
    expect(await eventLog(app.client)).toEqual([]);
    expect(appPushed).toEqual([]);

    // The params, exactly.
    const paramsOf = (log: LoggedItem[], method: string) => log.filter((e) => e.method === method).map((e) => e.params);
    const strip = ({ cursor: _cursor, ...rest }: Record<string, unknown>) => rest;
    const [created] = paramsOf(carolLog, "task/created").map(strip);
    expect(created).toEqual({
      task: expect.objectContaining({ id: task.id, status: "active", title: "offsite", appId: app.id }),
      participants: expect.arrayContaining(
        [alice.id, bob.id, carol.id].map((agentId) => ({ agentId, admittedAt: expect.any(String) })),
      ),
    });
    expect((created!.participants as unknown[]).length).toBe(3);
    expect(paramsOf(aliceLog, "agent/conversation/created").map(strip)).toEqual([
      { taskId: task.id, conversation: pair, participants: [alice.id, bob.id] },
    ]);
    expect(paramsOf(carolLog, "agent/conversation/created").map(strip)).toEqual([
      { taskId: task.id, conversation: side, participants: [carol.id, dave.id] },
    ]);
    expect(paramsOf(daveLog, "task/participants-added").map(strip)).toEqual([{ taskId: task.id, agentId: dave.id }]);
    expect(paramsOf(daveLog, "agent/conversation/participants-added").map(strip)).toEqual([
      { ...ref, agentIds: [dave.id] },
    ]);
    expect(paramsOf(bobLog, "agent/conversation/archived").map(strip)).toEqual([
      { ...ref, archivedAt: archived.archivedAt },
    ]);
    expect(paramsOf(bobLog, "agent/conversation/unarchived").map(strip)).toEqual([ref]);
    expect(paramsOf(bobLog, "agent/conversation/participants-removed").map(strip)).toEqual([
      { ...ref, agentIds: [bob.id], reason: "app_remove" },
    ]);
    expect(paramsOf(daveLog, "message/received").map(strip)).toEqual([{ ...ref, message }]);
    expect(paramsOf(carolLog, "task/closed").map(strip)).toEqual([{ task: closed }]);
    expect(closed).toMatchObject({ id: task.id, status: "closed", endedAt: expect.any(String) });
  });

  it("task/failed goes to the initiator only", async () => {
    const offline = await t.app();
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const alicePushed = recorder(alice.client);
    const bobPushed = recorder(bob.client);
    await rejects(alice.client.call("task/request", { appId: offline.id, invitedAgentIds: [bob.id] }), "TaskRejected");
    const log = await logOf(alice, alicePushed);
    expect(log.map((e) => [e.method, e.params.reason])).toEqual([["task/failed", "app_unreachable"]]);
    expect(log[0]!.params).toEqual({
      cursor: log[0]!.cursor,
      taskId: expect.stringMatching(/^tsk_/),
      reason: "app_unreachable",
    });
    expect(await logOf(bob, bobPushed)).toEqual([]);
  });

  it("task/leave: participants-removed (task_leave) to those in each conversation before; task/closed to the last leaver only", async () => {
    const app = await acceptingApp(t);
    const [alice, bob, carol] = await Promise.all([t.connectedAgent(), t.connectedAgent(), t.connectedAgent()]);
    const pushed = new Map<Connected, LoggedItem[]>([alice, bob, carol].map((a) => [a, recorder(a.client)]));
    const where = await openTask(alice, [bob, carol], { appId: app.id });
    const { conversation: duo } = await app.client.call("app/conversation/create", {
      taskId: where.task.id,
      participants: [alice.id, bob.id],
    });

    await alice.client.call("task/leave", { taskId: where.task.id });
    await bob.client.call("task/leave", { taskId: where.task.id });
    await carol.client.call("task/leave", { taskId: where.task.id });

    const logs = new Map<Connected, LoggedItem[]>();
    for (const [who, items] of pushed) logs.set(who, await logOf(who, items));
    const removed = (who: Connected) =>
      logs
        .get(who)!
        .filter((e) => e.method === "agent/conversation/participants-removed")
        .map(({ params: { cursor: _c, ...rest } }) => rest);
    const main = { taskId: where.task.id, conversationId: where.conversation.id };
    const side = { taskId: where.task.id, conversationId: duo.id };
    // Alice left both conversations: everyone in each heard it, alice included.
    expect(removed(alice)).toEqual([
      { ...main, agentIds: [alice.id], reason: "task_leave" },
      { ...side, agentIds: [alice.id], reason: "task_leave" },
    ]);
    expect(removed(bob)).toEqual([
      { ...main, agentIds: [alice.id], reason: "task_leave" },
      { ...side, agentIds: [alice.id], reason: "task_leave" },
      { ...main, agentIds: [bob.id], reason: "task_leave" },
      { ...side, agentIds: [bob.id], reason: "task_leave" },
    ]);
    expect(removed(carol)).toEqual([
      { ...main, agentIds: [alice.id], reason: "task_leave" },
      { ...main, agentIds: [bob.id], reason: "task_leave" },
      { ...main, agentIds: [carol.id], reason: "task_leave" },
    ]);
    const closed = [alice, bob, carol].map((who) => logs.get(who)!.filter((e) => e.method === "task/closed"));
    expect(closed.map((c) => c.length)).toEqual([0, 0, 1]);
    expect(closed[2]![0]!.params.task).toMatchObject({ id: where.task.id, status: "closed" });
    expect(methodsOf(logs.get(carol)!).at(-1)).toBe("task/closed");
  });
});
