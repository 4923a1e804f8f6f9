import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";

/** Issue 9, classes 6 and 7: the admin token rule, and what tools users already have send. */
describe("SWITCHBOARD_ADMIN_TOKEN does not undo a rotation", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("after admin/token/rotate and a restart with the same variable, the rotated token stays and the old one is refused", async () => {
    const admin = await t.admin();
    const { token: rotated } = await admin.call("admin/token/rotate", { principalId: "admin" });
    await t.restart();
    const again = await connect({ url: t.wsUrl, token: rotated, reconnect: false });
    expect((await again.call("system/ping", {})).now).toBeTypeOf("string");
    await again.close();
    await rejects(connect({ url: t.wsUrl, token: t.adminToken, reconnect: false }), "Unauthorized");
  });
});

/** The raw text of a JSON-RPC answer, over a socket. */
const rawAnswer = (t: TestHub, text: string): Promise<string> =>
  new Promise((resolve, reject) => {
    void import("ws").then(({ default: WebSocket }) => {
      const ws = new WebSocket(t.wsUrl);
      ws.once("open", () => ws.send(text));
      ws.once("message", (data) => {
        resolve(data.toString());
        ws.close();
      });
      ws.once("error", reject);
    });
  });

describe("interop: ids, params and POST /rpc as JSON-RPC 2.0 tools send them", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it('accepts "params": [] as no params (the OpenRPC reference client\'s rpc.discover)', async () => {
    const answer = JSON.parse(await rawAnswer(t, '{"jsonrpc":"2.0","id":1,"method":"rpc.discover","params":[]}'));
    expect(answer.result.openrpc).toBe("1.3.2");
    const refused = JSON.parse(await rawAnswer(t, '{"jsonrpc":"2.0","id":2,"method":"system/ping","params":[1]}'));
    expect(refused.error.data.tag).toBe("InvalidParams");
  });

  it("echoes integer ids beyond 2^53 exactly as sent, alone and in a batch", async () => {
    const big = "12345678901234567890123";
    expect(await rawAnswer(t, `{"jsonrpc":"2.0","id":${big},"method":"system/ping"}`)).toMatch(
      new RegExp(`^\\{"jsonrpc":"2.0","id":${big},"result"`),
    );
    const batch = await rawAnswer(
      t,
      `[{"jsonrpc":"2.0","id":1,"method":"system/ping"},{"jsonrpc":"2.0","method":"x","id":-9007199254740993,"params":{"id":5}}]`,
    );
    expect(batch).toContain('"id":-9007199254740993,"error"');
    expect(batch).toContain('"id":1,"result"');
  });

  it("answers POST /rpc with the request's id when the token is refused (fine print 10.24)", async () => {
    const res = await fetch(`${t.url}/rpc`, {
      method: "POST",
      headers: { authorization: `Bearer sb_agent.agt_nobody.${"x".repeat(40)}` },
      body: '{"jsonrpc":"2.0","id":98765432109876543210,"method":"system/ping"}',
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('"id":98765432109876543210');
    expect(JSON.parse(text).error.data.tag).toBe("Unauthorized");
  });
});
