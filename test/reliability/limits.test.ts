import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchboardClient } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { RawSocket, type Frame } from "../helpers/raw.ts";
import { rejects, sleep } from "../helpers/expect.ts";

/** Retry `fn` until it succeeds: for a state the hub reaches on its own (a socket's close being processed). */
const eventually = async <T>(fn: () => Promise<T>, attempts = 100): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(20);
    }
  }
};

describe("--max-sockets-per-principal bounds the sockets one principal holds", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ maxSocketsPerPrincipal: 3 });
  });
  afterAll(() => t.stop());

  it("refuses one socket more with Forbidden too_many_sockets on auth/connect and 429 on a bearer upgrade", async () => {
    const a = await t.agent();
    const open: SwitchboardClient[] = [];
    for (let i = 0; i < 3; i++) open.push(await t.connect(a.token));

    const extra = await t.raw();
    const refused = await extra.request("auth/connect", { token: a.token });
    expect(refused.error?.data.tag).toBe("Forbidden");
    expect(refused.error?.data.reason).toBe("too_many_sockets");
    expect(refused.error?.message).toMatch(/close one/);
    // The refused socket is still usable for the calls allowed before authentication.
    expect((await extra.request("system/ping")).result.now).toBeTypeOf("string");

    const upgrade = await RawSocket.open(t.wsUrl, { authorization: `Bearer ${a.token}` }).then(
      () => undefined,
      (err: { status?: number }) => err.status,
    );
    expect(upgrade).toBe(429);

    // Every socket already open keeps working.
    for (const c of open) expect((await c.call("system/ping")).now).toBeTypeOf("string");
  });

  it("counts per principal: another principal connects while the first is at its limit", async () => {
    const a = await t.agent();
    const b = await t.agent();
    for (let i = 0; i < 3; i++) await t.connect(a.token);
    for (let i = 0; i < 3; i++) await t.connect(b.token);
    await rejects(t.connect(b.token), "Forbidden");
    const app = await t.app();
    for (let i = 0; i < 3; i++) await t.connect(app.token);
  });

  it("counts bearer upgrades and auth/connect together, and frees a slot when a socket closes", async () => {
    const a = await t.agent();
    const bearer1 = await t.raw({ authorization: `Bearer ${a.token}` });
    const bearer2 = await t.raw({ authorization: `Bearer ${a.token}` });
    const third = await t.connect(a.token);
    await rejects(t.connect(a.token), "Forbidden");
    expect((await bearer1.request("system/ping")).result).toBeDefined();

    await bearer2.close();
    const again = await eventually(() => t.connect(a.token));
    expect(again.connected).toBe(true);
    await rejects(t.connect(a.token), "Forbidden");
    expect(third.connected).toBe(true);
  });
});

describe("--max-pending-callbacks bounds the callbacks the hub awaits from one app", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ maxPendingCallbacks: 2, callbackTimeoutMs: 60_000 });
  });
  afterAll(() => t.stop());

  it("treats the app as unreachable beyond the limit, without disturbing the callbacks in flight or other apps", async () => {
    const slow = await t.connectedApp();
    const held: Array<() => void> = [];
    let asked = 0;
    slow.client.handle("task/create", () => {
      asked++;
      return new Promise((resolve) => held.push(() => resolve({ verdict: "accept" })));
    });
    const other = await t.connectedApp();
    other.client.handle("task/create", () => ({ verdict: "accept" }));
    const agent = await t.connectedAgent();

    const first = agent.client.call("task/request", { appId: slow.id, invitedAgentIds: [] });
    const second = agent.client.call("task/request", { appId: slow.id, invitedAgentIds: [] });
    await eventually(async () => expect(held.length).toBe(2));

    const failed = agent.client.once("task/failed");
    const third = await rejects(
      agent.client.call("task/request", { appId: slow.id, invitedAgentIds: [] }),
      "TaskRejected",
    );
    expect(third.data).toMatchObject({ reason: "app_unreachable" });
    expect((await failed).reason).toBe("app_unreachable");
    expect(asked).toBe(2);

    // Another app's callbacks are not limited by this one's backlog.
    const elsewhere = await agent.client.call("task/request", { appId: other.id, invitedAgentIds: [] });
    expect(elsewhere.task.status).toBe("active");

    for (const release of held.splice(0)) release();
    expect((await first).task.status).toBe("active");
    expect((await second).task.status).toBe("active");

    // The answered callbacks freed their slots.
    const after = agent.client.call("task/request", { appId: slow.id, invitedAgentIds: [] });
    await eventually(async () => expect(held.length).toBe(1));
    held.pop()!();
    expect((await after).task.status).toBe("active");
  });

  it("frees the slots of an app socket that disconnects with callbacks pending", async () => {
    const app = await t.connectedApp();
    let asked = 0;
    app.client.handle("task/create", () => {
      asked++;
      return new Promise(() => {});
    });
    const agent = await t.connectedAgent();
    const pending = [1, 2].map(() =>
      rejects(agent.client.call("task/request", { appId: app.id, invitedAgentIds: [] }), "TaskRejected"),
    );
    await eventually(async () => expect(asked).toBe(2));
    await app.client.close();
    for (const p of pending) expect((await p).data).toMatchObject({ reason: "app_unreachable" });

    const back = await t.connect(app.token);
    back.handle("task/create", () => ({ verdict: "accept" }));
    const ok = await agent.client.call("task/request", { appId: app.id, invitedAgentIds: [] });
    expect(ok.task.status).toBe("active");
  });
});

describe("--rate-limit under a flood", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ rateLimit: 50, rateBurst: 50 });
  });
  afterAll(() => t.stop());

  it("answers every frame of a flood (served within the burst, RateLimited beyond) and serves the socket again afterwards", async () => {
    const a = await t.agent();
    const raw = await t.raw({ authorization: `Bearer ${a.token}` });
    const other = await t.connectedAgent();
    for (let i = 0; i < 500; i++) raw.send({ jsonrpc: "2.0", id: i, method: "system/ping" });
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) => raw.next((f) => !Array.isArray(f) && f.id === i, 30_000)),
    );
    const tags = answers.map((f) => (Array.isArray(f) ? "batch" : (f.error?.data.tag ?? "ok")));
    expect(tags.filter((x) => x === "ok").length).toBeGreaterThanOrEqual(50);
    const limited = answers.filter((f) => !Array.isArray(f) && f.error?.data.tag === "RateLimited");
    expect(limited.length).toBeGreaterThan(0);
    expect(tags.filter((x) => x !== "ok" && x !== "RateLimited")).toEqual([]);
    for (const f of limited) expect((f as Frame).error!.data.retryAfterMs as number).toBeGreaterThan(0);
    // Another connection is not limited by this one's flood.
    expect((await other.client.call("system/ping")).now).toBeTypeOf("string");
    // Once the refusals are paid back, the flooding socket is read and served again.
    const again = await eventually(async () => {
      const r = await raw.request("system/ping");
      if (r.error) throw new Error(r.error.data.tag);
      return r;
    }, 500);
    expect(again.result.now).toBeTypeOf("string");
  });
});
