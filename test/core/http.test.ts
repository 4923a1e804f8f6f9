import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { postRpc, type Connected } from "../helpers/scenario.ts";
import { callbackDefs, methods, notificationDefs } from "../../protocol/index.ts";

/** Section 1's HTTP side: /healthz, /metrics, /openrpc.json (10.10) and POST /rpc. */

const MAX_BODY = 4096;

describe("section 1: HTTP endpoints", () => {
  let t: TestHub;
  let alice: Connected;
  beforeAll(async () => {
    t = await TestHub.start({ maxFrameBytes: MAX_BODY });
    alice = await t.connectedAgent();
  });
  afterAll(() => t.stop());

  it("GET /healthz answers 200 {status: ok}", async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /metrics answers Prometheus text with the hub's switchboard_ metrics", async () => {
    await alice.client.call("system/ping", {});
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await res.text();
    for (const name of [
      "switchboard_connections",
      "switchboard_rpc_requests_total",
      "switchboard_commit_batch_jobs",
      "switchboard_commit_seconds",
      "switchboard_events_logged_total",
      "switchboard_notifications_sent_total",
    ]) {
      expect(body).toContain(`# TYPE ${name} `);
    }
    expect(body).toMatch(/switchboard_rpc_requests_total\{method="system\/ping",outcome="ok"\} [1-9]/);
    expect(body).toMatch(/switchboard_connections\{type="agent"\} [1-9]/);
  });

  it("answers 404, saying what is served, for an unknown route", async () => {
    const res = await fetch(`${t.url}/nothing-here`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/\/rpc/);
  });

  describe("GET /openrpc.json and rpc.discover (10.10)", () => {
    it("are the same document", async () => {
      const res = await fetch(`${t.url}/openrpc.json`);
      expect(res.status).toBe(200);
      const overHttp = (await res.json()) as Record<string, unknown>;
      const overSocket = await alice.client.call("rpc.discover");
      expect(overHttp).toEqual(overSocket);
      expect(overHttp.openrpc).toMatch(/^1\./);
    });

    it("lists every declared method, rpc.discover itself included, with params, result and errors", async () => {
      const doc = (await (await fetch(`${t.url}/openrpc.json`)).json()) as {
        methods: Array<Record<string, any>>;
        "x-notifications": Array<Record<string, any>>;
        "x-callbacks": Array<Record<string, any>>;
      };
      expect(doc.methods.map((m) => m.name).sort()).toEqual(methods.map((m) => m.name).sort());
      expect(doc.methods.map((m) => m.name)).toContain("rpc.discover");
      for (const m of doc.methods) {
        expect(Array.isArray(m.params), m.name).toBe(true);
        expect(m.result, m.name).toEqual(expect.objectContaining({ schema: expect.any(Object) }));
        expect(Array.isArray(m.errors), m.name).toBe(true);
        for (const e of m.errors)
          expect(e).toEqual({
            code: expect.any(Number),
            message: expect.any(String),
            data: { tag: expect.any(String) },
          });
      }
      const send = doc.methods.find((m) => m.name === "messages/send")!;
      expect(send.params.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(["taskId", "conversationId", "parts", "replyToId", "clientMessageId"]),
      );
      expect(send.errors.map((e: { data: { tag: string } }) => e.data.tag)).toEqual(
        expect.arrayContaining([
          "NotAParticipant",
          "TaskClosed",
          "ConversationArchived",
          "HookBlocked",
          "InvalidParams",
        ]),
      );
      // The params schema is the strict one the hub validates with.
      expect(send["x-params-schema"].additionalProperties).toBe(false);
    });

    it("lists notifications with params only, and callbacks with params, result and errors", async () => {
      const doc = (await (await fetch(`${t.url}/openrpc.json`)).json()) as Record<string, Array<Record<string, any>>>;
      const notes = doc["x-notifications"]!;
      expect(notes.map((n) => n.name).sort()).toEqual(notificationDefs.map((n) => n.name).sort());
      for (const n of notes) {
        expect(Array.isArray(n.params), n.name).toBe(true);
        expect(n).not.toHaveProperty("result");
        expect(n).not.toHaveProperty("errors");
      }
      // Logged notifications declare their cursor.
      const received = notes.find((n) => n.name === "message/received")!;
      expect(received.params.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(["cursor", "taskId", "conversationId", "message"]),
      );
      const callbacks = doc["x-callbacks"]!;
      expect(callbacks.map((c) => c.name).sort()).toEqual(callbackDefs.map((c) => c.name).sort());
      for (const c of callbacks) {
        expect(Array.isArray(c.params), c.name).toBe(true);
        expect(c.result, c.name).toBeDefined();
        expect(Array.isArray(c.errors), c.name).toBe(true);
      }
    });
  });

  describe("POST /rpc", () => {
    it("serves calls with a bearer token, and anonymous ones without", async () => {
      const listed = await postRpc(t, { jsonrpc: "2.0", id: 1, method: "task/list", params: {} }, alice.token);
      expect(listed).toMatchObject({ status: 200, body: { jsonrpc: "2.0", id: 1, result: { items: [] } } });
      const ping = await postRpc(t, { jsonrpc: "2.0", id: "p", method: "system/ping" });
      expect(ping.body.result.now).toBeDefined();
      const anonymous = await postRpc(t, { jsonrpc: "2.0", id: 2, method: "task/list", params: {} });
      expect(anonymous).toMatchObject({
        status: 200,
        body: { id: 2, error: { code: -32000, data: { tag: "Unauthorized" } } },
      });
    });

    it("carries a whole flow: a task and a message over HTTP reach a socket", async () => {
      const bob = await t.connectedAgent();
      const received = bob.client.once("message/received");
      const requested = await postRpc(
        t,
        {
          jsonrpc: "2.0",
          id: 1,
          method: "task/request",
          params: { invitedAgentIds: [bob.id], initialConversation: {} },
        },
        alice.token,
      );
      const { task, conversation } = requested.body.result;
      const sent = await postRpc(
        t,
        {
          jsonrpc: "2.0",
          id: 2,
          method: "messages/send",
          params: { taskId: task.id, conversationId: conversation.id, parts: [{ type: "text", text: "by HTTP" }] },
        },
        alice.token,
      );
      expect(sent.body.result.message.seq).toBe(1);
      expect((await received).message.id).toBe(sent.body.result.message.id);
    });

    it("refuses a bad bearer token with 401 and a suspended agent with 403", async () => {
      const bad = await postRpc(t, { jsonrpc: "2.0", id: 1, method: "system/ping" }, `${alice.token}x`);
      expect(bad.status).toBe(401);
      expect(bad.body.error).toMatchObject({ code: -32000, data: { tag: "Unauthorized" } });
      const carol = await t.agent();
      await (await t.admin()).call("admin/agent/suspend", { agentId: carol.id });
      const suspended = await postRpc(t, { jsonrpc: "2.0", id: 1, method: "system/ping" }, carol.token);
      expect(suspended.status).toBe(403);
      expect(suspended.body.error.data).toMatchObject({ tag: "Forbidden", reason: "suspended" });
    });

    it("refuses socket-only methods with MethodNotFound, saying to use a WebSocket", async () => {
      for (const [method, params] of [
        ["auth/connect", { token: alice.token }],
        ["presence/subscribe", { agentIds: [] }],
      ] as const) {
        const answer = await postRpc(t, { jsonrpc: "2.0", id: 1, method, params }, alice.token);
        expect(answer.body.error, method).toMatchObject({ code: -32601, data: { tag: "MethodNotFound" } });
        expect(answer.body.error.message).toMatch(/WebSocket/);
      }
      const anonymous = await postRpc(t, {
        jsonrpc: "2.0",
        id: 1,
        method: "auth/connect",
        params: { token: alice.token },
      });
      expect(anonymous.body.error.data.tag).toBe("MethodNotFound");
    });

    it("answers batches as arrays, notifications only with 204, and malformed bodies as JSON-RPC errors", async () => {
      const batch = await postRpc(
        t,
        [
          { jsonrpc: "2.0", id: 1, method: "system/ping" },
          { jsonrpc: "2.0", method: "system/ping" },
          { jsonrpc: "2.0", id: 2, method: "no/such" },
        ],
        alice.token,
      );
      expect(batch.status).toBe(200);
      expect((batch.body as Array<{ id: number }>).map((a) => a.id)).toEqual([1, 2]);
      const quiet = await postRpc(t, { jsonrpc: "2.0", method: "system/ping" }, alice.token);
      expect(quiet.status).toBe(204);
      expect(quiet.body).toBeUndefined();
      const parse = await postRpc(t, "{oops", alice.token);
      expect(parse.body).toMatchObject({ id: null, error: { code: -32700, data: { tag: "ParseError" } } });
      const empty = await postRpc(t, [], alice.token);
      expect(empty.body).toMatchObject({ id: null, error: { code: -32600 } });
    });

    it("refuses a body over --max-frame-bytes with 413, however large", async () => {
      for (const size of [MAX_BODY + 1, 100 * MAX_BODY]) {
        const body = JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "system/ping",
          params: { pad: "x".repeat(size) },
        });
        const answer = await postRpc(t, body, alice.token);
        expect(answer.status).toBe(413);
        expect(answer.body.error).toMatchObject({ code: -32600, data: { tag: "InvalidRequest" } });
        expect(answer.body.error.message).toMatch(/max-frame-bytes/);
      }
      // The hub still serves HTTP afterwards.
      expect((await postRpc(t, { jsonrpc: "2.0", id: 2, method: "system/ping" })).status).toBe(200);
    });
  });
});
