import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { TestHub } from "../helpers/hub.ts";
import { TcpWebSocket } from "../helpers/tcp-ws.ts";

/**
 * Issue 9, class 4: a web page elsewhere cannot drive the hub (with
 * --registration open it could register agents), and a rebound DNS name
 * cannot reach it; clients that send no Origin keep working.
 */
describe("Origin and Host on upgrades and POST routes", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ registration: "open", allowedOrigins: "https://app.example" });
  });
  afterAll(() => t.stop());

  const upgrade = (headers: Record<string, string>) =>
    TcpWebSocket.open(t.url, headers).then(
      (ws) => {
        ws.destroy();
        return 101;
      },
      (err: { status: number }) => err.status,
    );

  const post = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = new URL(t.url);
      const req = request({ host: "127.0.0.1", port: Number(port), method: "POST", path: "/rpc", headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.end(
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "auth/register", params: { name: `web-${Date.now()}` } }),
      );
    });

  it("refuses upgrades from a foreign Origin, and takes same-origin, listed and Origin-less ones", async () => {
    const self = new URL(t.url).origin;
    expect(await upgrade({ Origin: "https://evil.example" })).toBe(403);
    expect(await upgrade({ Origin: "null" })).toBe(403);
    expect(await upgrade({ Origin: self })).toBe(101);
    expect(await upgrade({ Origin: "https://app.example" })).toBe(101);
    expect(await upgrade({})).toBe(101);
  });

  it("refuses POST /rpc from a foreign Origin: no agent is registered by a page elsewhere", async () => {
    const refused = await post({ Origin: "https://evil.example" });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.data).toMatchObject({ tag: "Forbidden", reason: "origin" });
    const plain = await post({});
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body).result.token).toMatch(/^sb_agent\./);
  });

  it("refuses a Host that is not the hub's (DNS rebinding), on upgrades and POST", async () => {
    const { port } = new URL(t.url);
    const ws = await TcpWebSocket.open(t.url, {}).then((w) => w);
    ws.destroy();
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: Number(port),
          method: "POST",
          path: "/rpc",
          headers: { host: `evil.example:${port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end('{"jsonrpc":"2.0","id":1,"method":"system/ping"}');
    });
    expect(rebound).toBe(403);
    expect(await post({ host: `localhost:${port}` }).then((r) => r.status)).toBe(200);
  });
});
