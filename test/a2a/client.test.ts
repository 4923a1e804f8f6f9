import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskState, type StreamResponse } from "@a2a-js/sdk";
import { TestHub } from "../helpers/hub.ts";
import type { Message as HubMessage, Part as HubPart } from "../../protocol/index.ts";
import { describeEvent, request, setUp, statusPart, textOf, userMessage, type A2aSetup } from "./lib.ts";

/**
 * Issue 15 with the official @a2a-js/sdk client, unmodified, against the
 * real hub: card, send and reply, a streamed multi-message answer, cancel,
 * resubscribe after a dropped stream, and idempotent retries.
 */

const textOfHub = (m: HubMessage) => m.parts.map((p) => (p.type === "text" ? p.text : "")).join("");

describe("A2A edge, through the official A2A client", () => {
  let t: TestHub;
  let s: A2aSetup;
  /** Every message the agent received from the caller, in order. */
  const received: HubMessage[] = [];

  /** The agent's scripted behaviour, by the caller's text. */
  const reply = (m: HubMessage, ...parts: HubPart[][]) =>
    (async () => {
      for (const p of parts) {
        await s.agent.client.call("messages/send", { taskId: m.taskId, conversationId: m.conversationId, parts: p });
      }
    })();

  beforeAll(async () => {
    t = await TestHub.start();
    s = await setUp(t);
    s.agent.client.on("message/received", ({ message }) => {
      received.push(message);
      const text = textOfHub(message);
      if (text.startsWith("echo:")) void reply(message, [{ type: "text", text: `you said ${text.slice(5)}` }]);
      if (text === "slow") void reply(message, [{ type: "text", text: "first" }, statusPart("working")]);
      if (text === "write three") {
        void reply(
          message,
          [{ type: "text", text: "one" }, statusPart("working")],
          [{ type: "text", text: "two" }, statusPart("working")],
          [{ type: "text", text: "three" }, statusPart("completed")],
        );
      }
    });
  });
  afterAll(() => t.stop());

  it("resolves the agent's card from its URL", async () => {
    const card = await s.client.getAgentCard();
    expect(card.name).toBe(`${s.agent.record.name} the helper`);
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.capabilities?.pushNotifications).toBe(true);
    expect(card.supportedInterfaces[0]!.url).toBe(`${t.url}/a2a/${s.agent.record.name}`);
  });

  it("sends a message and receives the agent's reply; the agent saw an ordinary message/received", async () => {
    const result = await s.client.sendMessage(request(userMessage("echo:hello")));
    expect("status" in result).toBe(true);
    const task = result as Exclude<typeof result, { messageId: string }>;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(textOf(task.status?.message)).toBe("you said hello");
    expect(task.history.map(textOf)).toEqual(["echo:hello", "you said hello"]);
    const got = received.find((m) => m.taskId === task.id)!;
    expect(got.senderId).toBe(s.clientId);
    expect(got.conversationId).toBe(task.contextId);
    expect(got.parts).toEqual([{ type: "text", text: "echo:hello" }]);

    // The same context continues the same Switchboard task and conversation.
    const again = await s.client.sendMessage(request(userMessage("echo:again", { contextId: task.contextId })));
    expect((again as typeof task).id).toBe(task.id);
    expect(textOf((again as typeof task).status?.message)).toBe("you said again");
  });

  it("streams a multi-message answer, each event with its seq, and ends at completion", async () => {
    const closedTasks: string[] = [];
    const off = s.agent.client.on("task/closed", (p) => closedTasks.push(p.task.id));
    const events: StreamResponse[] = [];
    for await (const e of s.client.sendMessageStream(request(userMessage("write three")))) events.push(e);
    expect(events.map(describeEvent)).toEqual([
      "task SUBMITTED @1",
      'status WORKING @2 "one"',
      'status WORKING @3 "two"',
      'status COMPLETED @4 "three"',
    ]);
    const taskId = events[0]!.payload!.$case === "task" ? events[0]!.payload!.value.id : "";
    const task = await s.client.getTask({ tenant: "", id: taskId, historyLength: undefined });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    // The built-in A2A app closed the Switchboard task once the agent named a terminal state.
    await expect.poll(() => closedTasks).toContain(taskId);
    off();
    const sb = await s.agent.client.call("task/get", { taskId: taskId as never });
    expect(sb.task.status).toBe("closed");
  });

  const immediately = (text: string, more: Parameters<typeof userMessage>[1] = {}) => ({
    ...request(userMessage(text, more)),
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      historyLength: undefined,
      returnImmediately: true,
    },
  });
  const asTask = <T>(r: T) => r as Extract<T, { status?: unknown }>;

  it("cancels a task: the agent is told (task/closed), and the task takes no more messages", async () => {
    const task = asTask(await s.client.sendMessage(immediately("please hold")));
    expect(task.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    const told = s.agent.client.once("task/closed", (p) => p.task.id === task.id);
    const canceled = await s.client.cancelTask({ tenant: "", id: task.id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await told).task.status).toBe("closed");
    await expect(s.client.getTask({ tenant: "", id: task.id, historyLength: 0 })).resolves.toMatchObject({
      status: { state: TaskState.TASK_STATE_CANCELED },
    });
    await expect(s.client.cancelTask({ tenant: "", id: task.id, metadata: undefined })).rejects.toMatchObject({
      name: "TaskNotCancelableError",
    });
    await expect(s.client.sendMessage(request(userMessage("more", { taskId: task.id })))).rejects.toMatchObject({
      name: "UnsupportedOperationError",
    });
    // Without Last-Event-ID there is nothing to follow on an ended task (A2A 1.0, 3.1.6).
    const sub = s.client.resubscribeTask({ tenant: "", id: task.id });
    await expect(sub.next()).rejects.toMatchObject({ name: "UnsupportedOperationError" });
  });

  it("a GetTask that races a cancel answers the state before it or CANCELED, never COMPLETED", async () => {
    // A cancel records the A2A end and closes the Switchboard task in one commit; a read that took the A2A row
    // before that commit and the task after it once saw a plain close, COMPLETED (a PostgreSQL CI failure).
    const seen = new Set<TaskState | undefined>();
    for (let round = 0; round < 20; round++) {
      const task = asTask(await s.client.sendMessage(request(userMessage("echo:race"))));
      let canceled = false;
      const reader = async () => {
        for (let after = 0; after < 2; after += canceled ? 1 : 0) {
          seen.add((await s.client.getTask({ tenant: "", id: task.id, historyLength: 0 })).status?.state);
        }
      };
      const readers = [reader(), reader(), reader(), reader()];
      await new Promise((resolve) => setTimeout(resolve, round % 4));
      await s.client.cancelTask({ tenant: "", id: task.id, metadata: undefined });
      canceled = true;
      await Promise.all(readers);
    }
    expect(seen).toContain(TaskState.TASK_STATE_CANCELED);
    expect(
      [...seen].filter(
        (state) => state !== TaskState.TASK_STATE_INPUT_REQUIRED && state !== TaskState.TASK_STATE_CANCELED,
      ),
    ).toEqual([]);
  });

  it("resubscribes after a dropped stream and gets exactly the missed events, in order, from the log", async () => {
    const stream = s.client.sendMessageStream(request(userMessage("slow")));
    const seen = [(await stream.next()).value!, (await stream.next()).value!];
    expect(seen.map(describeEvent)).toEqual(["task SUBMITTED @1", 'status WORKING @2 "first"']);
    const taskId = seen[0]!.payload!.$case === "task" ? seen[0]!.payload!.value.id : "";
    const contextId = seen[0]!.payload!.$case === "task" ? seen[0]!.payload!.value.contextId : "";
    await stream.return(); // the stream drops
    const where = { taskId: taskId as never, conversationId: contextId as never };
    // While nobody listens, the agent goes on, and the caller adds a message through another call.
    await s.agent.client.call("messages/send", {
      ...where,
      parts: [{ type: "text", text: "second" }, statusPart("working")],
    });
    await s.client.sendMessage(immediately("and also", { taskId }));
    await s.agent.client.call("messages/send", { ...where, parts: [{ type: "text", text: "third" }] });

    const replayed: string[] = [];
    for await (const e of s.client.resubscribeTask(
      { tenant: "", id: taskId },
      { serviceParameters: { "Last-Event-ID": "2" } },
    )) {
      replayed.push(describeEvent(e));
      if (replayed.length === 4) {
        await s.agent.client.call("messages/send", {
          ...where,
          parts: [{ type: "text", text: "done" }, statusPart("completed")],
        });
      }
    }
    expect(replayed).toEqual([
      "task WORKING @2",
      'status WORKING @3 "second"',
      'status SUBMITTED @4 "and also"',
      'status INPUT_REQUIRED @5 "third"',
      'status COMPLETED @6 "done"',
    ]);
    // The log keeps it: a later replay from 0 gives every event again, in the same order.
    const all: string[] = [];
    for await (const e of s.client.resubscribeTask(
      { tenant: "", id: taskId },
      { serviceParameters: { "Last-Event-ID": "0" } },
    )) {
      all.push(describeEvent(e));
    }
    expect(all.slice(1)).toEqual(['status SUBMITTED @1 "slow"', 'status WORKING @2 "first"', ...replayed.slice(1)]);
  });

  it("a retried messageId stores nothing new: same task, same message, one delivery", async () => {
    const message = userMessage("echo:once");
    const first = asTask(await s.client.sendMessage(request(message)));
    const again = asTask(await s.client.sendMessage(request(message)));
    expect(again.id).toBe(first.id);
    expect(again.history.map(textOf)).toEqual(["echo:once", "you said once"]);
    expect(received.filter((m) => m.taskId === first.id)).toHaveLength(1);
    // The caller's message keeps the messageId it chose.
    expect(again.history[0]!.messageId).toBe(message.messageId);
    // A retried streaming send resumes where the first left off, without a second message either.
    const replay: string[] = [];
    for await (const e of s.client.sendMessageStream(request(message))) {
      replay.push(describeEvent(e));
      if (replay.length === 2) break;
    }
    expect(replay).toEqual(["task SUBMITTED @1", 'status INPUT_REQUIRED @2 "you said once"']);
    expect(received.filter((m) => m.taskId === first.id)).toHaveLength(1);
  });
});
