import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { setUp, type A2aSetup } from "../a2a/lib.ts";

/**
 * Issue 9, classes 1 and 4 on the A2A edge (POST /a2a/<agent>): the same gate
 * as POST /rpc. Host and Origin are checked, and one address and one
 * a2a-client each have a token bucket (the address's before the token is
 * looked up). As on POST /rpc, a refused token's body is still read, within
 * --max-frame-bytes and --request-timeout-ms, to echo its id.
 */
describe("the A2A edge's HTTP gate", () => {
  let t: TestHub;
  let s: A2aSetup;
  beforeAll(async () => {
    t = await TestHub.start({ httpRateLimit: 5, httpRateBurst: 5 });
    s = await setUp(t);
  });
  afterAll(() => t.stop());

  const port = () => Number(new URL(t.url).port);
  const getTask = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "GetTask", params: { id: "tsk_nothing" } });

  const post = (
    localAddress: string,
    headers: Record<string, string>,
    path = `/a2a/${s.agent.record.name}`,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: any }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: port(),
          localAddress,
          method: "POST",
          path,
          headers: { "content-type": "application/json", "a2a-version": "1.0", ...headers },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.end(getTask);
    });

  const reason = (body: any): string => body.error.data[0].reason;

  it("refuses a page of another origin and a foreign Host with 403 PERMISSION_DENIED", async () => {
    const auth = { authorization: `Bearer ${s.token}` };
    const page = await post("127.0.3.1", { ...auth, origin: "https://evil.example" });
    expect([page.status, page.body.error.code, reason(page.body)]).toEqual([403, -32000, "PERMISSION_DENIED"]);
    expect(page.body.error.message).toMatch(/--allowed-origins/);
    const rebound = await post("127.0.3.2", { ...auth, host: "evil.example" });
    expect([rebound.status, reason(rebound.body)]).toEqual([403, "PERMISSION_DENIED"]);
    // The same client without an Origin (not a browser) is served.
    const ok = await post("127.0.3.3", auth);
    expect([ok.status, ok.body.error.code]).toEqual([200, -32001]);
  });

  it("rate-limits by address before the token is checked, with Retry-After", async () => {
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await post("127.0.4.1", { authorization: "Bearer nope" }));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(6);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited).toBeDefined();
    expect(reason(limited.body)).toBe("RESOURCE_EXHAUSTED");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  });

  it("rate-limits one a2a-client across addresses", async () => {
    const statuses = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await post(`127.0.5.${i + 1}`, { authorization: `Bearer ${s.token}` })).status);
    expect(statuses.filter((x) => x === 200).length).toBeLessThanOrEqual(6);
    expect(statuses).toContain(429);
  });
});
