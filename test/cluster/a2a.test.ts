import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskState, type StreamResponse } from "@a2a-js/sdk";
import { TestHub } from "../helpers/hub.ts";

import type { Message as HubMessage } from "../../protocol/index.ts";
import {
  describeEvent,
  request,
  sdkClient,
  setUp,
  statusPart,
  textOf,
  userMessage,
  type A2aSetup,
} from "../a2a/lib.ts";

/**
 * Two hub nodes on one PostgreSQL database: the agent is connected to one,
 * the A2A caller talks to the other. The caller's streams and blocking sends
 * on its node must be woken by the agent's commits on the other node (the
 * A2A bell is rung by the event log's feed, not only by local commits).
 * SQLite has one hub per file, so this runs on PostgreSQL only.
 */
describe("A2A edge across two hub nodes (PostgreSQL)", () => {
  let a: TestHub;
  let b: TestHub;
  let s: A2aSetup;
  let viaB: A2aSetup["client"];

  beforeAll(async () => {
    a = await TestHub.start();
    b = await TestHub.start({ db: a.db, adminToken: a.adminToken });
    s = await setUp(a);
    viaB = await sdkClient(`${b.url}/a2a/${s.agent.record.name}/`, s.token);
    s.agent.client.on("message/received", ({ message }: { message: HubMessage }) => {
      const where = { taskId: message.taskId, conversationId: message.conversationId };
      const text = message.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
      void (async () => {
        if (text === "hello") {
          await s.agent.client.call("messages/send", { ...where, parts: [{ type: "text", text: "hi from A" }] });
        }
        if (text === "write two") {
          await s.agent.client.call("messages/send", {
            ...where,
            parts: [{ type: "text", text: "one" }, statusPart("working")],
          });
          await s.agent.client.call("messages/send", {
            ...where,
            parts: [{ type: "text", text: "two" }, statusPart("completed")],
          });
        }
      })();
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it("a blocking SendMessage on one node returns the reply the agent committed on the other", async () => {
    const result = await viaB.sendMessage(request(userMessage("hello")));
    const task = result as Extract<typeof result, { status?: unknown }>;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(textOf(task.status?.message)).toBe("hi from A");
  });

  it("a stream on one node follows the answer the agent commits on the other, to its end", async () => {
    const events: StreamResponse[] = [];
    for await (const e of viaB.sendMessageStream(request(userMessage("write two")))) events.push(e);
    expect(events.map(describeEvent)).toEqual([
      "task SUBMITTED @1",
      'status WORKING @2 "one"',
      'status COMPLETED @3 "two"',
    ]);
  });
});
