import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../server/config.ts";
import { TestHub } from "../helpers/hub.ts";
import { Receiver, rpc, verify } from "./receiver.ts";
import { consentRejections, webhookApp } from "./setup.ts";

describe("webhooks: URL safety (section 12)", () => {
  let t: TestHub;
  let r: Receiver;
  beforeAll(async () => {
    t = await TestHub.start({ webhookRetrySchedule: [20], webhookTimeoutMs: 300 });
  });
  beforeEach(async () => {
    r = await Receiver.start();
  });
  afterEach(() => r.close());
  afterAll(() => t.stop());

  it("refuses http://, private and loopback addresses, and names resolving to them, as InvalidParams at url, without a request", async () => {
    const app = await t.app();
    const port = new URL(r.url).port;
    const refused = [
      `http://127.0.0.1:${port}/hook`,
      `https://127.0.0.1:${port}/hook`,
      `https://localhost:${port}/hook`,
      `https://[::1]:${port}/hook`,
      "https://10.1.2.3/hook",
      "https://192.168.0.10/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::ffff:127.0.0.1]/hook",
      "https://user:pw@93.184.216.34/hook",
    ];
    for (const url of refused) {
      const res = await rpc(t, app.token, "app/webhook/set", { url });
      expect(res.error?.data.tag, url).toBe("InvalidParams");
      expect(res.error?.data.issues[0].path, url).toEqual(["url"]);
    }
    expect((await rpc(t, app.token, "app/webhook/get")).result.webhook).toBeNull();
    expect(r.requests).toHaveLength(0);
  });

  it("checks the address it connects to at every delivery: a webhook that now resolves privately gets no request", async () => {
    await t.restart({ webhookAllowPrivate: true });
    // Accepted while private addresses are allowed; then the hub is told they are not.
    const app = await webhookApp(t, `https://localhost:${new URL(r.url).port}/hook`);
    await t.restart({ webhookAllowPrivate: false });
    const user = await t.user();
    await consentRejections(t, app, { id: user.id, client: await t.connect(user.token) }, 1);
    let items: Array<{ outcome: string; error?: string }> = [];
    for (let i = 0; i < 200 && items.length < 2; i++) {
      items = (await rpc(t, app.token, "app/webhook/deliveries", {})).result.items;
      if (items.length < 2) await new Promise((res) => setTimeout(res, 20));
    }
    expect(items.map((d) => d.outcome)).toEqual(["failed", "failed"]);
    expect(items[0]!.error).toMatch(/resolves to (127\.0\.0\.1|::1), which is not a public address/);
    expect((await rpc(t, app.token, "app/webhook/get")).result.webhook).toMatchObject({ status: "paused" });
    expect(r.requests).toHaveLength(0);
  });

  it("never follows a redirect, and times out a receiver that does not answer", async () => {
    await t.restart({ webhookAllowPrivate: true });
    const target = await Receiver.start();
    try {
      r.reply = () => ({ status: 307, headers: { location: target.url } });
      const app = await webhookApp(t, r.url);
      const user = await t.user();
      const member = { id: user.id, client: await t.connect(user.token) };
      await consentRejections(t, app, member, 1);
      await r.waitFor(() => r.requests.length >= 2, "two attempts");
      let items: Array<{ error?: string; httpStatus?: number }> = [];
      for (let i = 0; i < 100 && items.length < 2; i++) {
        items = (await rpc(t, app.token, "app/webhook/deliveries", {})).result.items;
        if (items.length < 2) await new Promise((res) => setTimeout(res, 20));
      }
      expect(items[0]).toMatchObject({ httpStatus: 307, error: expect.stringContaining("redirects are not followed") });
      expect(target.requests).toHaveLength(0);

      const slow = await webhookApp(t, target.url);
      target.reply = () => ({ delayMs: 2_000 });
      await consentRejections(t, slow, member, 1);
      await target.waitFor(() => target.requests.length >= 2, "two attempts");
      for (let i = 0; i < 100 && items[0]?.error?.includes("no answer") !== true; i++) {
        items = (await rpc(t, slow.token, "app/webhook/deliveries", {})).result.items;
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(items[0]!.error).toBe("no answer within 300 ms");
    } finally {
      await target.close();
    }
  });

  it("shows an app its own webhook and attempts only", async () => {
    await t.restart({ webhookAllowPrivate: true });
    const a = await webhookApp(t, r.url);
    const b = await t.app();
    expect((await rpc(t, b.token, "app/webhook/get")).result.webhook).toBeNull();
    expect((await rpc(t, b.token, "app/webhook/deliveries", {})).result.items).toEqual([]);
    expect((await rpc(t, a.token, "app/webhook/get")).result.webhook.url).toBe(r.url);
  });
});

describe("webhooks: secrets at rest (--secret-key)", () => {
  let t: TestHub;
  const key = "correct horse battery staple, but longer";
  beforeAll(async () => {
    t = await TestHub.start({ webhookAllowPrivate: true, secretKey: key });
  });
  afterAll(() => t.stop());

  it("stores the secret encrypted, refuses to start without the key, and signs after a restart with it", async () => {
    const r = await Receiver.start();
    try {
      const app = await webhookApp(t, r.url);
      const raw = app.secret.slice("whsec_".length);
      const [stored] = await t.query<{ secret: string }>("SELECT secret FROM webhooks WHERE app_id = ?", app.id);
      expect(stored!.secret).toMatch(/^aes256gcm:/);
      expect(stored!.secret).not.toContain(raw);
      await t.restart();
      // The database file (WAL included) holds no trace of the secret: a dump alone cannot sign.
      for (const file of [t.dbFile, `${t.dbFile}-wal`]) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          continue;
        }
        expect(bytes.includes(Buffer.from(raw)), file).toBe(false);
        expect(bytes.includes(Buffer.from(raw, "base64")), file).toBe(false);
      }
      await expect(t.restart({ secretKey: "" })).rejects.toBeInstanceOf(ConfigError);
      await expect(t.restart({ secretKey: "another key" })).rejects.toBeInstanceOf(ConfigError);
      await t.restart({ secretKey: key });
      const user = await t.user();
      await consentRejections(t, app, { id: user.id, client: await t.connect(user.token) }, 1);
      await r.waitFor(() => r.events.length >= 1, "an event");
      expect(verify(app.secret, r.events[0]!)).toEqual(r.events[0]!.json);
    } finally {
      await r.close();
    }
  });
});
