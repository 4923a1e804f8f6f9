import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { Receiver, rpc, verify } from "./receiver.ts";
import { consentIdOf, consentRejections, until, webhookApp } from "./setup.ts";

describe("webhooks: events are delivered in order, signed, retried and paused (section 12)", () => {
  let t: TestHub;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await Receiver.start();
    receivers.push(r);
    return r;
  };
  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true, webhookRetrySchedule: [30, 30, 30] });
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => t.stop());

  const connectedUser = async () => {
    const user = await t.user();
    return { id: user.id, client: await t.connect(user.token) };
  };

  it("POSTs each event with the body a socket would receive, in cursor order, verified by standardwebhooks", async () => {
    const r = await receiver();
    const app = await webhookApp(t, r.url);
    const user = await connectedUser();
    const ids = await consentRejections(t, app, user, 5);
    await r.waitFor(() => r.events.length >= 5, "five events");
    const cursors = r.events.map((e) => Number(e.json.params.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(r.events.map((e) => consentIdOf(e.json.params))).toEqual(ids);
    for (const e of r.events) {
      expect(e.json).toMatchObject({ jsonrpc: "2.0", method: "consent/rejected" });
      expect(e.headers["content-type"]).toBe("application/json");
      expect(e.headers["webhook-id"]).toBe(`${app.id}.${e.json.params.cursor}`);
      expect(verify(app.secret, e)).toEqual(e.json);
    }
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_webhook_deliveries_total\{kind="event",outcome="delivered"\} [1-9]/);
    expect(metrics).toContain(
      'switchboard_webhook_delivery_seconds_bucket{le="0.005",kind="event",outcome="delivered"}',
    );
    // The same events as events/replay returns them.
    const replay = await rpc(t, app.token, "events/replay", { after: "0" });
    expect(replay.result.items.map((i: { params: unknown }) => i.params)).toEqual(r.events.map((e) => e.json.params));
  });

  it("retries a failing event with the same webhook-id, and later events wait behind it", async () => {
    const r = await receiver();
    r.reply = (_req, n) => (n <= 3 ? { status: 500 } : {});
    const app = await webhookApp(t, r.url);
    const user = await connectedUser();
    const ids = await consentRejections(t, app, user, 3);
    await r.waitFor(() => r.requests.length >= 6, "four attempts and two more events");
    const seen = r.requests.map((q) => [q.headers["webhook-id"], consentIdOf(q.json.params)]);
    const first = seen[0]!;
    expect(seen.slice(0, 4)).toEqual([first, first, first, first]);
    expect(seen.slice(4).map((s) => s[1])).toEqual(ids.slice(1));
    for (const q of r.requests) verify(app.secret, q);
    const log = await rpc(t, app.token, "app/webhook/deliveries", {});
    const attempts = log.result.items.filter(
      (d: { eventCursor?: string }) => d.eventCursor === String(first[0]).split(".")[1],
    );
    expect(
      attempts.map((d: { attempt: number; outcome: string; httpStatus?: number }) => [
        d.attempt,
        d.outcome,
        d.httpStatus,
      ]),
    ).toEqual([
      [4, "delivered", 200],
      [3, "failed", 500],
      [2, "failed", 500],
      [1, "failed", 500],
    ]);
  });

  it("pauses with failure set when the schedule is exhausted; resume delivers everything that waited, in order", async () => {
    const r = await receiver();
    r.reply = () => ({ status: 503 });
    const app = await webhookApp(t, r.url);
    const user = await connectedUser();
    const first = await consentRejections(t, app, user, 1);
    await r.waitFor(() => r.requests.length >= 4, "four attempts");
    let webhook: { status: string; failure?: string; pausedAt?: string } | null = null;
    for (let i = 0; i < 100 && webhook?.status !== "paused"; i++) {
      webhook = (await rpc(t, app.token, "app/webhook/get")).result.webhook;
      if (webhook?.status !== "paused") await new Promise((res) => setTimeout(res, 20));
    }
    expect(webhook).toMatchObject({ status: "paused" });
    expect(webhook!.failure).toContain("HTTP 503");
    expect(webhook!.pausedAt).toBeDefined();
    // Paused: later events are logged but not sent; even acknowledging them does not drop them.
    const later = await consentRejections(t, app, user, 3);
    const replay = await rpc(t, app.token, "events/replay", { after: "0" });
    const newest = replay.result.items.at(-1).cursor as string;
    await rpc(t, app.token, "events/ack", { cursor: newest });
    expect(r.requests.length).toBe(4);

    r.reply = () => ({});
    const resumed = await rpc(t, app.token, "app/webhook/resume");
    expect(resumed.result.webhook).toEqual({ url: r.url, status: "active", createdAt: expect.any(String) });
    await r.waitFor(() => r.requests.length >= 8, "the waiting events");
    expect(r.requests.slice(4).map((q) => consentIdOf(q.json.params))).toEqual([...first, ...later]);
  });

  it("signs with both secrets for a day after a rotation, each signature valid on its own", async () => {
    const r = await receiver();
    const app = await webhookApp(t, r.url);
    const rotated = await rpc(t, app.token, "app/webhook/set", { url: r.url });
    const newSecret = rotated.result.secret as string;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(app.secret);
    const user = await connectedUser();
    await consentRejections(t, app, user, 1);
    await r.waitFor(() => r.events.length >= 1, "an event");
    const e = r.events[0]!;
    const signatures = String(e.headers["webhook-signature"]).split(" ");
    expect(signatures).toHaveLength(2);
    for (const s of signatures) expect(s).toMatch(/^v1,/);
    expect(verify(newSecret, e)).toEqual(e.json);
    expect(verify(app.secret, e)).toEqual(e.json);
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, e)).toThrow();
  });

  it("keeps undelivered events past --event-retention, and drops them once delivered", async () => {
    const r = await receiver();
    r.reply = () => ({ status: 500 });
    const app = await webhookApp(t, r.url);
    const made = await t.user();
    const ids = await consentRejections(t, app, { id: made.id, client: await t.connect(made.token) }, 3);
    await r.waitFor(() => r.requests.length >= 4, "the schedule exhausted");
    for (let i = 0; i < 100; i++) {
      if ((await rpc(t, app.token, "app/webhook/get")).result.webhook?.status === "paused") break;
      await new Promise((res) => setTimeout(res, 20));
    }
    // A restart with a retention of 1 ms sweeps the log at start: the user's entries go, the app's stay.
    // (The sweep runs beside the first calls: on PostgreSQL it may finish after them.)
    await t.restart({ eventRetention: 1 });
    await until(
      async () => (await rpc(t, made.token, "events/replay", { after: "0" })).result.items,
      (items: unknown[]) => items.length === 0,
      "the user's entries swept",
    );
    const appLog = await rpc(t, app.token, "events/replay", { after: "0" });
    expect(appLog.result.items.map((i: { params: Record<string, unknown> }) => consentIdOf(i.params))).toEqual(ids);
    r.reply = () => ({});
    await rpc(t, app.token, "app/webhook/resume");
    await r.waitFor(() => r.requests.length >= 7, "the three held events");
    expect(r.requests.slice(4).map((q) => consentIdOf(q.json.params))).toEqual(ids);
    await until(
      async () => (await rpc(t, app.token, "app/webhook/deliveries", {})).result.items,
      (items: Array<{ outcome: string }>) => items.filter((d) => d.outcome === "delivered").length === 3,
      "the three deliveries stored",
    );
    // Delivered, they are no longer held: the next sweep (the next start) drops them.
    await t.restart({ eventRetention: 1 });
    await until(
      async () => (await rpc(t, app.token, "events/replay", { after: "0" })).result?.items ?? [],
      (items: unknown[]) => items.length === 0,
      "the delivered entries swept",
    );
    await t.restart({ eventRetention: 7 * 24 * 3600 * 1000 });
  });

  it("get, delete, and a webhook-less app's events stay in its log", async () => {
    const r = await receiver();
    const app = await webhookApp(t, r.url);
    expect((await rpc(t, app.token, "app/webhook/get")).result.webhook).toMatchObject({ url: r.url, status: "active" });
    expect((await rpc(t, app.token, "app/webhook/delete")).result).toEqual({});
    expect((await rpc(t, app.token, "app/webhook/get")).result.webhook).toBeNull();
    const resume = await rpc(t, app.token, "app/webhook/resume");
    expect(resume.error?.data.tag).toBe("NotFound");
    const user = await connectedUser();
    await consentRejections(t, app, user, 1);
    const replay = await rpc(t, app.token, "events/replay", { after: "0" });
    expect(replay.result.items).toHaveLength(1);
    expect(r.requests).toHaveLength(0);
  });
});
