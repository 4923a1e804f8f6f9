import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { Receiver, rpc, verify } from "../webhooks/receiver.ts";
import { consentRejections, webhookApp } from "../webhooks/setup.ts";

/**
 * Section 12 on several nodes (PostgreSQL only: one SQLite file serves one
 * hub). Both nodes are woken by every committed event (the log's feed), but
 * only the holder of the app's lease delivers: with a receiver that always
 * answers, an event arriving twice would mean two nodes delivered it.
 */
describe("webhooks on two nodes of one PostgreSQL database", () => {
  let a: TestHub;
  let b: TestHub | undefined;
  let r: Receiver;
  beforeAll(async () => {
    a = await TestHub.start({ webhookAllowPrivate: true });
    r = await Receiver.start();
  });
  afterAll(async () => {
    await r.close();
    await b?.stop();
    await a.stop();
  });

  it("one node delivers an app's events at a time, in order, once each; the other takes over when it stops", async () => {
    const app = await webhookApp(a, r.url);
    // The second node starts with the webhook already set: its first poll finds it, and it competes for the lease.
    b = await TestHub.start({ webhookAllowPrivate: true, db: a.db, adminToken: a.adminToken });
    const user = await a.user();
    const onA = { id: user.id, client: await a.connect(user.token) };
    const onB = { id: user.id, client: await b.connect(user.token) };
    await consentRejections(a, app, onA, 4);
    await consentRejections(b, app, onB, 4);
    await r.waitFor(() => r.events.length >= 8, "eight events", 20_000);
    const holders = await a.query<{ holder: string }>("SELECT holder FROM webhook_leases WHERE app_id = ?", app.id);
    expect(holders).toHaveLength(1);

    // Stop the node the webhook was set on (a graceful stop hands its leases back); the other goes on.
    await a.hub.close(); // the hub only: its database stays for the other node (afterAll drops it)
    await consentRejections(b, app, onB, 3);
    await r.waitFor(() => r.events.length >= 11, "three more events after a node stopped", 20_000);

    const ids = r.events.map((e) => String(e.headers["webhook-id"]));
    expect(new Set(ids).size).toBe(ids.length);
    const cursors = r.events.map((e) => Number(e.json.params.cursor));
    expect(cursors).toEqual([...cursors].sort((x, y) => x - y));
    for (const e of r.events) expect(verify(app.secret, e)).toEqual(e.json);
    const log = await rpc(b, app.token, "events/replay", { after: "0" });
    expect(log.result.items.map((i: { cursor: string }) => Number(i.cursor))).toEqual(cursors);
  });
});
