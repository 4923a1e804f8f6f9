import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { setUp, type A2aSetup } from "./lib.ts";

/** The A2A edge's refusals: tokens, versions, strict params, limits, and the features it declares absent. */

describe("A2A edge: errors map to A2A 1.0 codes", () => {
  let t: TestHub;
  let s: A2aSetup;
  beforeAll(async () => {
    t = await TestHub.start({ maxFrameBytes: 4096 });
    s = await setUp(t);
  });
  afterAll(() => t.stop());

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/a2a/${s.agent.record.name}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${s.token}`,
        "a2a-version": "1.0",
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, any> };
  };
  const rpc = (method: string, params: unknown, headers?: Record<string, string>) =>
    post({ jsonrpc: "2.0", id: 7, method, params }, headers);
  const send = { message: { messageId: "e-1", role: "ROLE_USER", parts: [{ text: "hi" }] } };

  it("a missing, bad or agent-kind token is 401 with a Bearer challenge; the a2a token opens no /rpc", async () => {
    for (const authorization of ["", "Bearer nope", `Bearer ${s.agent.token}`]) {
      const r = await rpc("GetTask", { id: "tsk_x" }, { authorization });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(r.body).toMatchObject({ id: 7, error: { code: -32000 } });
    }
    const rpcRes = await fetch(`${t.url}/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system/ping", params: {} }),
    });
    expect(rpcRes.status).toBe(401);
  });

  it("an absent or other A2A-Version is VersionNotSupportedError", async () => {
    expect((await rpc("GetTask", { id: "tsk_x" }, { "a2a-version": "" })).body.error.code).toBe(-32009);
    expect((await rpc("GetTask", { id: "tsk_x" }, { "a2a-version": "0.3" })).body.error.code).toBe(-32009);
  });

  it("unknown fields, bad params and unknown methods are refused, naming what is wrong", async () => {
    const r = await rpc("SendMessage", { message: { ...send.message, colour: "red" } });
    expect(r.body.error.code).toBe(-32602);
    const violations = r.body.error.data.find((d: any) => d["@type"].endsWith("BadRequest")).fieldViolations;
    expect(violations.map((v: any) => v.field)).toContain("message.colour");
    expect((await rpc("SendMessage", { message: { ...send.message, parts: [] } })).body.error.code).toBe(-32602);
    expect((await rpc("message/send", send)).body.error.code).toBe(-32601);
    expect((await post("{not json")).body.error.code).toBe(-32700);
    expect((await post([{ jsonrpc: "2.0", id: 1, method: "GetTask" }])).body.error.code).toBe(-32600);
  });

  it("an oversize body is 413", async () => {
    const r = await rpc("SendMessage", { message: { ...send.message, parts: [{ text: "x".repeat(8000) }] } });
    expect(r.status).toBe(413);
  });

  it("extended cards and raw parts are refused with their A2A errors", async () => {
    expect((await rpc("GetExtendedAgentCard", {})).body.error.code).toBe(-32004);
    const raw = await rpc("SendMessage", { message: { ...send.message, parts: [{ raw: "aGk=" }] } });
    expect(raw.body.error.code).toBe(-32005);
  });

  it("another caller's task is TaskNotFoundError, and so is an unknown one", async () => {
    const mine = await rpc("SendMessage", { ...send, configuration: { returnImmediately: true } });
    const taskId = mine.body.result.task.id as string;
    const admin = await t.admin();
    const other = await admin.call("admin/a2a-client/create", { name: `other-${Date.now()}` });
    const theirs = await rpc("GetTask", { id: taskId }, { authorization: `Bearer ${other.token}` });
    expect(theirs.body.error).toMatchObject({ code: -32001 });
    expect((await rpc("GetTask", { id: "tsk_nothing" })).body.error.code).toBe(-32001);
    expect(
      (await rpc("SendMessage", { message: { ...send.message, messageId: "e-2", contextId: "cnv_x" } })).body.error
        .code,
    ).toBe(-32001);
  });
});
