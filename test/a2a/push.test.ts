import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { ConfigError } from "../../server/config.ts";
import { TestHub, uniqueName } from "../helpers/hub.ts";
import type { Message as HubMessage, Part as HubPart } from "../../protocol/index.ts";
import { Receiver, type Received } from "../webhooks/receiver.ts";
import { sdkClient, setUp, statusPart, userMessage, type A2aSetup } from "./lib.ts";

/**
 * A2A push-notification configs (A2A 1.0, 3.1.7-3.1.10, 4.3), with the
 * official @a2a-js/sdk client and a real HTTP receiver on loopback: task
 * updates are POSTed as StreamResponse bodies, signed the Standard Webhooks
 * way (verified with the `standardwebhooks` library), in seq order, retried
 * by the webhook worker.
 */

const textOfHub = (m: HubMessage) => m.parts.map((p) => (p.type === "text" ? p.text : "")).join("");

/** A push as one line, `WORKING @2 "one"`, for comparing all of them at once. */
const describePush = (r: Received): string => {
  const u = (JSON.parse(r.body) as { statusUpdate: any }).statusUpdate;
  const state = String(u.status.state).replace("TASK_STATE_", "");
  const text = (u.status.message?.parts ?? []).map((p: { text?: string }) => p.text ?? "").join("");
  return `${state} @${u.metadata.seq}${text ? ` ${JSON.stringify(text)}` : ""}`;
};

const headersOf = (r: Received) => ({
  "webhook-id": String(r.headers["webhook-id"]),
  "webhook-timestamp": String(r.headers["webhook-timestamp"]),
  "webhook-signature": String(r.headers["webhook-signature"]),
});

const pushConfig = (url: string, more: Record<string, unknown> = {}) => ({
  tenant: "",
  id: "",
  taskId: "",
  url,
  token: "",
  authentication: undefined,
  ...more,
});

describe("A2A push notifications, through the official A2A client and the webhook machinery", () => {
  let t: TestHub;
  let s: A2aSetup;
  let r: Receiver;

  const reply = (m: HubMessage, ...parts: HubPart[][]) =>
    (async () => {
      for (const p of parts) {
        await s.agent.client.call("messages/send", { taskId: m.taskId, conversationId: m.conversationId, parts: p });
      }
    })();

  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true, webhookRetrySchedule: [30, 30, 30] });
    s = await setUp(t);
    s.agent.client.on("message/received", ({ message }) => {
      const text = textOfHub(message);
      if (text.startsWith("echo:")) void reply(message, [{ type: "text", text: `you said ${text.slice(5)}` }]);
      if (text === "work then finish") {
        void reply(
          message,
          [{ type: "text", text: "one" }, statusPart("working")],
          [{ type: "text", text: "two" }, statusPart("completed")],
        );
      }
    });
  });
  beforeAll(async () => {
    r = await Receiver.start();
  });
  afterEach(() => {
    r.requests.length = 0;
    r.reply = () => ({});
  });
  afterAll(async () => {
    await t.stop();
    await r.close();
  });

  /** A task waiting for the caller (the agent answered): its id. */
  const openTask = async (): Promise<string> => {
    const task = await s.client.sendMessage({
      tenant: "",
      message: userMessage("echo:start"),
      configuration: undefined,
      metadata: undefined,
    });
    return (task as { id: string }).id;
  };

  it("the card declares push notifications", async () => {
    expect((await s.client.getAgentCard()).capabilities?.pushNotifications).toBe(true);
  });

  it("a config sent with the message pushes every later update, signed with the caller's whsec_ token, then the end", async () => {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const task = (await s.client.sendMessage({
      tenant: "",
      message: userMessage("work then finish"),
      configuration: {
        acceptedOutputModes: [],
        returnImmediately: true,
        taskPushNotificationConfig: pushConfig(r.url, { id: "cfg-1", token: secret }),
      },
      metadata: undefined,
    })) as { id: string; contextId: string };
    await r.waitFor(() => r.requests.length >= 2, "two pushes");
    expect(r.requests.map(describePush)).toEqual(['WORKING @2 "one"', 'COMPLETED @3 "two"']);
    const wh = new Webhook(secret);
    for (const req of r.requests) {
      const body = wh.verify(req.body, headersOf(req)) as { statusUpdate: Record<string, unknown> };
      expect(body.statusUpdate).toMatchObject({ taskId: task.id, contextId: task.contextId });
      // The token is the signing key: it never travels.
      expect(req.headers["x-a2a-notification-token"]).toBeUndefined();
      expect(req.headers["content-type"]).toBe("application/json");
    }
    expect(r.requests.map((q) => q.headers["webhook-id"])).toEqual([`${task.id}/cfg-1.2`, `${task.id}/cfg-1.3`]);
    // The terminal update was the last one; the config stays readable (3.1.7: until deleted).
    const got = await s.client.getTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: "cfg-1" });
    expect(got).toMatchObject({ id: "cfg-1", taskId: task.id, url: r.url, token: "" });
  });

  it("Create on a running task answers with the hub's signing secret; Get and List never show it; cancel pushes the end", async () => {
    const taskId = await openTask();
    const created = await s.client.createTaskPushNotificationConfig(
      pushConfig(r.url, { taskId, authentication: { scheme: "Bearer", credentials: "receiver-key" } }),
    );
    expect(created.id).not.toBe("");
    expect(created.token).toMatch(/^whsec_/);
    expect(created.authentication).toMatchObject({ scheme: "Bearer", credentials: "receiver-key" });

    const got = await s.client.getTaskPushNotificationConfig({ tenant: "", taskId, id: created.id });
    expect(got).toMatchObject({ id: created.id, taskId, url: r.url, token: "" });
    expect(got.authentication).toMatchObject({ scheme: "Bearer", credentials: "" });
    const listed = await s.client.listTaskPushNotificationConfig({ tenant: "", taskId, pageSize: 0, pageToken: "" });
    expect(listed.configs.map((c) => c.id)).toEqual([created.id]);
    expect(listed.configs[0]!.token).toBe("");

    // Nothing before the config is pushed: the next update is the caller's own message, then the agent's answer.
    await s.client.sendMessage({
      tenant: "",
      message: userMessage("echo:more", { taskId }),
      configuration: undefined,
      metadata: undefined,
    });
    await r.waitFor(() => r.requests.length >= 2, "two pushes");
    await s.client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    await r.waitFor(() => r.requests.length >= 3, "the end");
    expect(r.requests.map(describePush)).toEqual([
      'SUBMITTED @3 "echo:more"',
      'INPUT_REQUIRED @4 "you said more"',
      "CANCELED @4",
    ]);
    const wh = new Webhook(created.token);
    for (const req of r.requests) {
      wh.verify(req.body, headersOf(req));
      expect(req.headers.authorization).toBe("Bearer receiver-key");
    }
    expect(r.requests.at(-1)!.headers["webhook-id"]).toBe(`${taskId}/${created.id}.4.end`);

    await s.client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: created.id });
    await s.client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: created.id }); // idempotent
    const after = await s.client.listTaskPushNotificationConfig({ tenant: "", taskId, pageSize: 0, pageToken: "" });
    expect(after.configs).toEqual([]);
  });

  it("an opaque token travels as X-A2A-Notification-Token and keys the signature (Standard Webhooks' raw form)", async () => {
    const taskId = await openTask();
    const created = await s.client.createTaskPushNotificationConfig(
      pushConfig(r.url, { taskId, id: "opaque", token: "client-token-1" }),
    );
    expect(created.token).toBe("client-token-1");
    await s.client.sendMessage({
      tenant: "",
      message: userMessage("echo:x", { taskId }),
      configuration: undefined,
      metadata: undefined,
    });
    await r.waitFor(() => r.requests.length >= 2, "two pushes");
    for (const req of r.requests) {
      expect(req.headers["x-a2a-notification-token"]).toBe("client-token-1");
      new Webhook("client-token-1", { format: "raw" }).verify(req.body, headersOf(req));
    }
    await s.client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: "opaque" });
  });

  it("a failed push is retried with the same webhook-id while later updates wait, then delivery goes on in order", async () => {
    const taskId = await openTask();
    let failures = 2;
    r.reply = () => (failures-- > 0 ? { status: 503 } : {});
    const created = await s.client.createTaskPushNotificationConfig(pushConfig(r.url, { taskId, id: "retry" }));
    await s.client.sendMessage({
      tenant: "",
      message: userMessage("echo:y", { taskId }),
      configuration: undefined,
      metadata: undefined,
    });
    await r.waitFor(
      () => r.requests.filter((q) => q.headers["webhook-id"] === `${taskId}/retry.4`).length >= 1,
      "the reply",
    );
    const ids = r.requests.map((q) => String(q.headers["webhook-id"]));
    expect(ids).toEqual([`${taskId}/retry.3`, `${taskId}/retry.3`, `${taskId}/retry.3`, `${taskId}/retry.4`]);
    for (const req of r.requests) new Webhook(created.token).verify(req.body, headersOf(req));
    await s.client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: "retry" });
  });

  it("refuses what it cannot deliver or must not show, saying what to do", async () => {
    const taskId = await openTask();
    const call = async (method: string, params: unknown) => {
      const res = await fetch(`${t.url}/a2a/${s.agent.record.name}`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.token}`, "a2a-version": "1.0", "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      return ((await res.json()) as { error: { code: number; message: string } }).error;
    };
    expect(await call("CreateTaskPushNotificationConfig", { taskId, url: "ftp://example.com/x" })).toMatchObject({
      code: -32602,
      message: expect.stringContaining("url"),
    });
    expect(await call("CreateTaskPushNotificationConfig", { url: r.url })).toMatchObject({ code: -32602 });
    expect(await call("CreateTaskPushNotificationConfig", { taskId: "tsk_nope", url: r.url })).toMatchObject({
      code: -32001,
    });
    expect(
      await call("CreateTaskPushNotificationConfig", {
        taskId,
        url: r.url,
        authentication: { scheme: "Bearer", credentials: "a\r\nx-injected: 1" },
      }),
    ).toMatchObject({ code: -32602 });
    expect(await call("GetTaskPushNotificationConfig", { taskId, id: "nope" })).toMatchObject({ code: -32001 });
    // A config in SendMessage needs the caller's token: the answer is the task, so a secret the hub chose would reach nobody.
    const noToken = await call("SendMessage", {
      message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] },
      configuration: { taskPushNotificationConfig: { url: r.url } },
    });
    expect(noToken).toMatchObject({ code: -32602, message: expect.stringContaining("whsec_") });
    // An ended task will not change: nothing to push.
    await s.client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    expect(await call("CreateTaskPushNotificationConfig", { taskId, url: r.url })).toMatchObject({ code: -32004 });
    expect(r.requests).toEqual([]);
  });

  it("another caller cannot see or delete a task's configs", async () => {
    const taskId = await openTask();
    await s.client.createTaskPushNotificationConfig(pushConfig(r.url, { taskId, id: "mine" }));
    // Another a2a-client, at the same agent's URL.
    const made = await (await t.admin()).call("admin/a2a-client/create", { name: uniqueName("other") });
    const other = { client: await sdkClient(`${t.url}/a2a/${s.agent.record.name}/`, made.token) };
    await expect(other.client.getTaskPushNotificationConfig({ tenant: "", taskId, id: "mine" })).rejects.toThrow();
    await expect(other.client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: "mine" })).rejects.toThrow();
    const mine = await s.client.listTaskPushNotificationConfig({ tenant: "", taskId, pageSize: 0, pageToken: "" });
    expect(mine.configs.map((c) => c.id)).toEqual(["mine"]);
    await s.client.deleteTaskPushNotificationConfig({ tenant: "", taskId, id: "mine" });
  });
});

describe("A2A push configs at rest (--secret-key)", () => {
  const key = "a push key that is long enough to be a key";
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true, secretKey: key });
  });
  afterAll(() => t.stop());

  it("stores token and credentials sealed, refuses to start without the key, and delivers after a restart with it", async () => {
    const r = await Receiver.start();
    try {
      const s = await setUp(t);
      s.agent.client.on("message/received", ({ message }) => {
        void s.agent.client.call("messages/send", {
          taskId: message.taskId,
          conversationId: message.conversationId,
          parts: [{ type: "text", text: "ok" }],
        });
      });
      const task = (await s.client.sendMessage({
        tenant: "",
        message: userMessage("hi"),
        configuration: undefined,
        metadata: undefined,
      })) as { id: string; contextId: string };
      const secret = `whsec_${randomBytes(32).toString("base64")}`;
      await s.client.createTaskPushNotificationConfig(
        pushConfig(r.url, {
          taskId: task.id,
          id: "sealed",
          token: secret,
          authentication: { scheme: "Bearer", credentials: "receiver-key-123" },
        }),
      );
      const [stored] = await t.query<{ secret: string; auth_credentials: string }>(
        "SELECT secret, auth_credentials FROM a2a_push_configs WHERE task_id = ?",
        task.id,
      );
      expect(stored!.secret).toMatch(/^aes256gcm:/);
      expect(stored!.auth_credentials).toMatch(/^aes256gcm:/);
      expect(JSON.stringify(stored)).not.toContain("receiver-key-123");
      expect(JSON.stringify(stored)).not.toContain(secret.slice("whsec_".length));

      await expect(t.restart({ secretKey: "another key" })).rejects.toBeInstanceOf(ConfigError);
      await t.restart({ secretKey: key });
      // The agent, reconnected, answers again: the config delivers it, signed, with the credentials.
      const agent = await t.connect(s.agent.token);
      await agent.call("messages/send", {
        taskId: task.id,
        conversationId: task.contextId,
        parts: [{ type: "text", text: "after the restart" }],
      });
      await r.waitFor(() => r.requests.length >= 1, "a push after the restart");
      expect(r.requests.map(describePush)).toEqual(['INPUT_REQUIRED @3 "after the restart"']);
      new Webhook(secret).verify(r.requests[0]!.body, headersOf(r.requests[0]!));
      expect(r.requests[0]!.headers.authorization).toBe("Bearer receiver-key-123");
    } finally {
      await r.close();
    }
  });
});
