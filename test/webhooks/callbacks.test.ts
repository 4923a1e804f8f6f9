import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rejects } from "../helpers/expect.ts";
import { TestHub, uniqueName } from "../helpers/hub.ts";
import { Receiver, rpc, verify, type Received } from "./receiver.ts";
import { webhookApp } from "./setup.ts";

/** The JSON-RPC response a webhook returns for the callback it received. */
const answer = (req: Received, result: unknown) => ({ body: { jsonrpc: "2.0", id: req.json.id, result } });

describe("webhooks: callbacks go to an app's webhook when it has no socket (section 12)", () => {
  let t: TestHub;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await Receiver.start();
    receivers.push(r);
    return r;
  };
  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true, callbackTimeoutMs: 300 });
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => t.stop());

  it("task/create is POSTed as a signed JSON-RPC request; an accept in the response activates the task", async () => {
    const r = await receiver();
    r.reply = (req) => answer(req, { verdict: "accept" });
    const app = await webhookApp(t, r.url);
    const agent = await t.connectedAgent();
    const { task } = await agent.client.call("task/request", { appId: app.id, invitedAgentIds: [], title: "Ship" });
    expect(task.status).toBe("active");
    const req = r.requests.find((q) => q.json.method === "task/create")!;
    expect(req.json).toMatchObject({
      jsonrpc: "2.0",
      id: expect.stringMatching(/^cb-\d+$/),
      params: { task: { id: task.id } },
    });
    expect(req.headers["webhook-id"]).toBe(req.json.id);
    expect(verify(app.secret, req)).toEqual(req.json);
    const attempts = (await rpc(t, app.token, "app/webhook/deliveries", {})).result.items;
    expect(attempts[0]).toMatchObject({
      callbackId: req.json.id,
      method: "task/create",
      attempt: 1,
      outcome: "delivered",
      httpStatus: 200,
    });
  });

  it("a reject in the response fails the task with its reason", async () => {
    const r = await receiver();
    r.reply = (req) => answer(req, { verdict: "reject", reason: "no title" });
    const app = await webhookApp(t, r.url);
    const agent = await t.connectedAgent();
    const err = await rejects(
      agent.client.call("task/request", { appId: app.id, invitedAgentIds: [] }),
      "TaskRejected",
    );
    expect(err.data).toMatchObject({ reason: "no title" });
  });

  it("message/authorize over the webhook blocks a message", async () => {
    const r = await receiver();
    r.reply = (req) =>
      req.json.method === "task/create"
        ? answer(req, { verdict: "accept" })
        : answer(req, { decision: "block", reason: "mentions a password" });
    const app = await webhookApp(t, r.url, { manifest: { hooks: { messageAuthorize: true } } });
    const agent = await t.connectedAgent();
    const { task, conversation } = await agent.client.call("task/request", {
      appId: app.id,
      invitedAgentIds: [],
      initialConversation: {},
    });
    const err = await rejects(
      agent.client.call("messages/send", {
        taskId: task.id,
        conversationId: conversation!.id,
        parts: [{ type: "text", text: "the password is hunter2" }],
      }),
      "HookBlocked",
    );
    expect(err.data).toMatchObject({ reason: "mentions a password" });
  });

  it("fails closed: a slow receiver is a timeout, an error status or a wrong response is a malformed answer", async () => {
    const agent = await t.connectedAgent();
    const cases: Array<[(req: Received) => ReturnType<Receiver["reply"]>, string]> = [
      [(req) => ({ ...answer(req, { verdict: "accept" }), delayMs: 1_000 }), "timeout"],
      [(req) => ({ ...answer(req, { verdict: "accept" }), status: 500 }), "invalid_verdict"],
      [() => ({ body: { jsonrpc: "2.0", id: "cb-0", result: { verdict: "accept" } } }), "invalid_verdict"],
      [(req) => answer(req, { verdict: "maybe" }), "invalid_verdict"],
      [(req) => ({ body: { jsonrpc: "2.0", id: req.json.id, error: { code: 1, message: "no" } } }), "invalid_verdict"],
    ];
    for (const [reply, reason] of cases) {
      const r = await receiver();
      r.reply = reply;
      const app = await webhookApp(t, r.url);
      const err = await rejects(
        agent.client.call("task/request", { appId: app.id, invitedAgentIds: [] }),
        "TaskRejected",
      );
      expect(err.data, reason).toMatchObject({ reason });
      expect(r.requests).toHaveLength(1);
    }
  });

  it("a closed port is app_unreachable, and an over-long answer is malformed", async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const app = await webhookApp(t, url);
    const agent = await t.connectedAgent();
    const err = await rejects(
      agent.client.call("task/request", { appId: app.id, invitedAgentIds: [] }),
      "TaskRejected",
    );
    expect(err.data).toMatchObject({ reason: "app_unreachable" });

    const big = await receiver();
    big.reply = (req) =>
      answer(req, { verdict: "reject", reason: "x".repeat(400), padding: "y".repeat(2 * 1024 * 1024) });
    const app2 = await webhookApp(t, big.url);
    const err2 = await rejects(
      agent.client.call("task/request", { appId: app2.id, invitedAgentIds: [] }),
      "TaskRejected",
    );
    expect(err2.data).toMatchObject({ reason: "invalid_verdict" });
  });

  it("action/execute over the webhook runs an app-served action; an error status is ActionUnavailable", async () => {
    const r = await receiver();
    r.reply = (req) =>
      answer(req, { status: "playing", item_id: (req.json.params.params as { item_id: string }).item_id });
    const name = uniqueName("jukebox");
    const app = await webhookApp(t, r.url, { name });
    const declared = await rpc(t, app.token, "app/manifest/update", {
      actions: [
        {
          id: "play",
          type: "action",
          name: "Play",
          description: "Start playback",
          permissions: { user: "allowed", agent: "allowed" },
          side_effects: "local",
          schema: {
            input: { type: "object", properties: { item_id: { type: "string" } }, required: ["item_id"] },
            output: { type: "object", properties: { status: { type: "string" } }, required: ["status"] },
          },
        },
      ],
    });
    expect(declared.error).toBeUndefined();
    const made = await t.user();
    const user = await t.connect(made.token);
    const { result } = await user.call("actions/invoke", { action: `${name}.play`, params: { item_id: "song-1" } });
    expect(result).toEqual({ status: "playing", item_id: "song-1" });
    const req = r.requests.find((q) => q.json.method === "action/execute")!;
    expect(req.json.params).toMatchObject({ action: `${name}.play`, invoker: { type: "user", id: made.id } });
    verify(app.secret, req);

    r.reply = () => ({ status: 502 });
    const err = await rejects(
      user.call("actions/invoke", { action: `${name}.play`, params: { item_id: "song-2" } }),
      "ActionUnavailable",
    );
    expect(err.data).toMatchObject({ reason: "app_error" });
  });

  it("prefers a connected socket to the webhook", async () => {
    const r = await receiver();
    r.reply = (req) => answer(req, { verdict: "reject", reason: "from the webhook" });
    const app = await webhookApp(t, r.url);
    const socket = await t.connect(app.token);
    socket.handle("task/create", () => ({ verdict: "accept" }));
    const agent = await t.connectedAgent();
    const { task } = await agent.client.call("task/request", { appId: app.id, invitedAgentIds: [] });
    expect(task.status).toBe("active");
    expect(r.requests.filter((q) => q.json.method === "task/create")).toHaveLength(0);
  });
});
