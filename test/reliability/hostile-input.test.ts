import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { connect as tcpConnect } from "node:net";
import { TestHub } from "../helpers/hub.ts";
import { RawSocket } from "../helpers/raw.ts";
import { postRpc } from "../helpers/scenario.ts";
import { TcpWebSocket } from "../helpers/tcp-ws.ts";

/**
 * Issue 9, class 1: no request makes the hub build an answer or hold
 * buffers far larger than what it sent, or block everyone else for seconds.
 * Stalls are measured as the wait of an honest client's system/ping sent
 * while the hostile input is being handled; the bound is generous (the point
 * is seconds before, milliseconds after).
 */

/** How long `ping` waits for its answer while `hostile` runs. */
const stallDuring = async (honest: RawSocket, hostile: () => void): Promise<number> => {
  hostile();
  const started = performance.now();
  await honest.request("system/ping");
  return performance.now() - started;
};

describe("answers and work stay proportional to the request", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ maxBatch: 100, maxAnswerBytes: 1024 * 1024 });
  });
  afterAll(() => t.stop());

  it("refuses a batch over --max-batch whole, without executing any of it", async () => {
    const raw = await t.raw();
    const batch = Array.from({ length: 5000 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "rpc.discover" }));
    raw.send(batch);
    const answer = (await raw.next(() => true)) as unknown as {
      id: unknown;
      error: { data: { tag: string; reason: string } };
    };
    expect(answer.id).toBeNull();
    expect(answer.error.data).toMatchObject({ tag: "InvalidRequest", reason: "batch_too_large" });
  });

  it("bounds a batch's answer by --max-answer-bytes and says which results were dropped", async () => {
    const raw = await t.raw();
    let bytes = 0;
    raw.ws.on("message", (data: Buffer) => (bytes += data.length));
    raw.send(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "rpc.discover" })));
    const answer = (await raw.next((f) => Array.isArray(f), 10_000)) as unknown as Array<{
      id: number;
      result?: unknown;
      error?: { data: { reason: string } };
    }>;
    expect(answer.map((a) => a.id)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    expect(answer[0]!.result).toBeDefined();
    expect(answer[99]!.error?.data.reason).toBe("answer_too_large");
  });

  it("lists at most --max-issues issues for params with 50,000 unknown keys, without stalling others", async () => {
    const hostile = await t.raw();
    const honest = await t.raw();
    const params = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    const frame = JSON.stringify({ jsonrpc: "2.0", id: "h", method: "system/ping", params });
    const stall = await stallDuring(honest, () => {
      for (let i = 0; i < 2; i++) hostile.send(frame);
    });
    const answer = (await hostile.next((f) => !Array.isArray(f) && f.id === "h")) as unknown as {
      error: { data: { tag: string; issues: unknown[] } };
    };
    expect(answer.error.data.tag).toBe("InvalidParams");
    expect(answer.error.data.issues.length).toBeGreaterThan(0);
    expect(answer.error.data.issues.length).toBeLessThanOrEqual(20);
    // Before: about 1.2 s of decoding per frame, so a ping sent behind two of them waited > 2.4 s. After,
    // what remains is parsing 1 MiB of JSON and walking its keys a few times (about 0.2 s a frame here).
    expect(stall).toBeLessThan(1500);
  });

  it("answers 30,000 malformed array items with a bounded error, without stalling others", async () => {
    const agent = await t.agent();
    const hostile = await t.raw({ authorization: `Bearer ${agent.token}` });
    const honest = await t.raw();
    const params = { agentIds: Array.from({ length: 30_000 }, () => ({ bogus: 1 })) };
    const stall = await stallDuring(honest, () =>
      hostile.send({ jsonrpc: "2.0", id: "h", method: "presence/subscribe", params }),
    );
    const answer = (await hostile.next((f) => !Array.isArray(f) && f.id === "h")) as unknown as {
      error: { data: { tag: string; issues: unknown[] } };
    };
    expect(answer.error.data.tag).toBe("InvalidParams");
    expect(answer.error.data.issues.length).toBeLessThanOrEqual(20);
    // Before: every item was decoded and reported (2.3 s and 3.8 MB of issues for 30,000 of them).
    expect(stall).toBeLessThan(1000);
  });
});

describe("HTTP: pipelining, rate, tokens before bodies, timeouts", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({
      httpRateLimit: 5,
      httpRateBurst: 5,
      headersTimeoutMs: 300,
      maxUnauthenticated: 2,
    });
  });
  afterAll(() => t.stop());

  const port = () => Number(new URL(t.url).port);

  it("drops a connection that pipelines requests and never reads the answers, instead of queueing them", async () => {
    const socket = tcpConnect(port(), "127.0.0.1");
    socket.on("error", () => {});
    socket.pause();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    socket.write(`GET /openrpc.json HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\n\r\n`.repeat(5000));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    clearInterval(sampler);
    // Now read: the hub dropped the connection after a bounded backlog, rather than queue 5,000 answers (840 MB).
    let received = 0;
    socket.on("data", (d: Buffer) => (received += d.length));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.resume();
    await closed;
    expect(received).toBeLessThan(64 * 1024 * 1024);
    // Before: every answer was queued, about 225 MB for these 5,000 requests.
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  });

  const post = (localAddress: string, token: string | undefined) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: port(),
          localAddress,
          method: "POST",
          path: "/rpc",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system/ping" }));
    });

  it("rate-limits POST /rpc by client address", async () => {
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push(await post("127.0.0.2", undefined));
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    expect(statuses).toContain(429);
  });

  it("rate-limits POST /rpc by principal across addresses", async () => {
    const agent = await t.agent();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await post(`127.0.1.${i + 1}`, agent.token));
    for (let i = 0; i < 6; i++) statuses.push(await post(`127.0.2.${i + 1}`, agent.token));
    expect(statuses).toContain(429);
    const refused = await postRpc(t, { jsonrpc: "2.0", id: 7, method: "system/ping" }, agent.token);
    if (refused.status === 429) expect(refused.body.error.data).toMatchObject({ tag: "RateLimited" });
  });

  let gaveUp = false;
  const rawHttp = (text: string) =>
    new Promise<string>((resolve) => {
      gaveUp = false;
      const socket = tcpConnect({ port: port(), host: "127.0.0.1", localAddress: "127.0.0.3" });
      let got = "";
      socket.on("data", (d) => (got += d.toString()));
      socket.on("error", () => {});
      socket.on("close", () => resolve(got));
      socket.write(text);
      setTimeout(() => {
        gaveUp = true;
        socket.destroy();
      }, 5000).unref();
    });

  it("refuses a bad bearer token on an action route before reading the body", async () => {
    // Headers announce a body that never comes: the refusal must not wait for it.
    const answer = await rawHttp(
      `POST /api/actions/intent.create HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sb_agent.agt_x.${"a".repeat(40)}\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
  });

  it("closes a connection that does not finish its headers within --headers-timeout-ms", async () => {
    // Node's default gives a client 60 s for its headers; the hub drops it (no answer to a half request).
    await rawHttp(`GET /healthz HTTP/1.1\r\nHost: x\r\n`);
    expect(gaveUp).toBe(false);
  });

  it("refuses an upgrade past --max-unauthenticated with 503, and still takes bearer upgrades", async () => {
    const agent = await t.agent();
    const waiting = [await TcpWebSocket.open(t.url), await TcpWebSocket.open(t.url)];
    const status = await TcpWebSocket.open(t.url).then(
      () => 101,
      (err: { status: number }) => err.status,
    );
    expect(status).toBe(503);
    const bearer = await TcpWebSocket.open(t.url, { authorization: `Bearer ${agent.token}` });
    bearer.destroy();
    for (const w of waiting) w.destroy();
  });
});

describe("a byte budget per connection (--rate-bytes)", () => {
  let t: TestHub;
  beforeAll(async () => {
    // Raw sockets stay anonymous: a long auth timeout keeps them open while the backlog is read.
    t = await TestHub.start({ rateBytes: 1024 * 1024, rateBytesBurst: 1024 * 1024, authTimeoutMs: 120_000 });
  });
  afterAll(() => t.stop());

  it("reads ~1 MB frames of 50,000 keys no faster than the budget, and answers an honest ping meanwhile", async () => {
    const hostile = await t.raw();
    const honest = await t.raw();
    const params = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`key-${i}-`, i]));
    const frame = JSON.stringify({ jsonrpc: "2.0", id: "h", method: "system/ping", params });
    expect(frame.length).toBeGreaterThan(800_000);
    // One such frame costs ~0.3 s to parse and walk; sent back to back, they used to fill the hub's CPU.
    const sent = 10;
    const began = performance.now();
    for (let i = 0; i < sent; i++) hostile.send(frame);
    const handled = () => hostile.frames.filter((f) => !Array.isArray(f) && f.id === "h").length;
    // An honest client keeps pinging for 3 s meanwhile.
    let longest = 0;
    while (performance.now() - began < 3000) {
      const started = performance.now();
      await honest.request("system/ping");
      longest = Math.max(longest, performance.now() - started);
    }
    const early = handled();
    const elapsed = (performance.now() - began) / 1000;
    // 1 MiB a second after a 1 MiB burst: at most this many frames can have been read by now, however
    // fast or slow the machine. Before, the hub read them as fast as it could parse them (all 10 in ~3 s).
    expect(early).toBeLessThanOrEqual(Math.ceil(((elapsed + 1) * 1024 * 1024) / frame.length) + 1);
    expect(early).toBeLessThan(sent);
    // The rest are read later, each answered once (InvalidParams): slowed down, not lost.
    await hostile.next(() => handled() === sent, 50_000);
    const tags = hostile.frames.map((f) => (f as { error?: { data?: { tag?: string } } }).error?.data?.tag);
    expect(new Set(tags)).toEqual(new Set(["InvalidParams"]));
    // An honest ping waits at most for the one frame being parsed (~0.3 s idle; seconds at a load of 10 on
    // this shared machine): the budget bounds how much of the CPU the abuser gets, not that one wait, so
    // this bound is only a sanity check, generous for a busy machine.
    expect(longest).toBeLessThan(10_000);
  }, 60_000);
});

describe("connection caps and idle keep-alive", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ maxConnections: 3, keepAliveTimeoutMs: 200 });
  });
  afterAll(() => t.stop());

  const port = () => Number(new URL(t.url).port);
  /** A TCP connection; `ended` resolves with what the hub sent once it closes (or the test gives up after 4 s). */
  const open = async () => {
    const socket = tcpConnect(port(), "127.0.0.1");
    socket.on("error", () => {});
    let got = "";
    socket.on("data", (d: Buffer) => (got += d.toString()));
    let byHub = true;
    const ended = new Promise<{ got: string; byHub: boolean }>((resolve) =>
      socket.once("close", () => resolve({ got, byHub })),
    );
    setTimeout(() => {
      byHub = false;
      socket.destroy();
    }, 4000).unref();
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    return { socket, ended };
  };
  const healthz = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

  it("drops a connection past --max-connections unanswered, and takes one again once a slot frees", async () => {
    const held = [await open(), await open(), await open()];
    // Each held connection is served: the hub has counted it.
    for (const h of held) h.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    const extra = await open();
    extra.socket.write(healthz);
    const dropped = await extra.ended;
    expect(dropped).toEqual({ got: "", byHub: true });
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.ended));
    const again = await open();
    again.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect((await again.ended).got).toMatch(/^HTTP\/1\.1 200/);
  });

  it("closes an idle keep-alive connection after --keep-alive-timeout-ms", async () => {
    const c = await open();
    c.socket.write(healthz);
    const { got, byHub } = await c.ended;
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    // Node's default keeps it 5 s; the test gives up at 4 s, so only the hub's 200 ms closes it.
    expect(byHub).toBe(true);
  });
});
