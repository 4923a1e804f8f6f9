import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import { freshDatabase, testEngine } from "../helpers/postgres.ts";
import { Receiver, rpc, verify } from "../webhooks/receiver.ts";
import { prng } from "./lib/fuzz-inputs.ts";

/**
 * Webhook delivery across SIGKILL: the hub runs as its own process and
 * delivers an app's events to a loopback receiver while a producer keeps
 * logging new ones; it is killed at a random moment and restarted on the
 * same file, several times. At the end every event in the app's log has
 * reached the receiver (at least once), first arrivals in cursor order, each
 * with a valid signature; duplicates are counted (at-least-once allows them:
 * the event in flight at a kill is sent again).
 */
describe("webhook delivery survives SIGKILL: nothing lost, in order", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-webhook-crash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("delivers every logged event after restarts, in cursor order", async () => {
    const rounds = Number(process.env.SB_WEBHOOK_CRASH_ROUNDS ?? 3);
    const random = prng(11);
    // On PostgreSQL a killed node's lease is left to expire: the next node delivers once it has.
    const db = testEngine() === "postgres" ? await freshDatabase() : join(dir, "hub.db");
    const adminToken = newAdminToken();
    const port = await freePort();
    const flags = {
      "webhook-allow-private": "",
      "webhook-retry-schedule": "50ms,100ms,200ms,400ms,800ms,1s,1s,1s,1s,1s",
    };
    const receiver = await Receiver.start();
    // A receiver that is sometimes slow, so that kills land while requests are in flight.
    receiver.reply = () => (random() < 0.2 ? { delayMs: 30 } : {});
    let hub = await ChildHub.start({ db, port, adminToken, flags });
    try {
      const admin = (method: string, params: unknown) => rpc(hub, adminToken, method, params);
      const app = (
        await admin("admin/app/create", { name: "hooked", scopes: ["actions.invoke"], capabilities: ["intent.write"] })
      ).result;
      const user = (await admin("admin/user/create", { name: "ada" })).result;
      const set = await rpc(hub, app.token, "app/webhook/set", { url: receiver.url });
      const secret = set.result.secret as string;
      let produced = 0;
      const produce = async (until: () => boolean) => {
        while (!until()) {
          try {
            const asked = await rpc(hub, app.token, "consent/request", {
              userId: user.user.id,
              capabilities: ["intent.write"],
              scope: "actions.invoke",
            });
            if (asked.result) {
              const rejected = await rpc(hub, user.token, "consent/reject", { consentId: asked.result.consent.id });
              if (rejected.result) produced++;
            }
          } catch {
            await new Promise((res) => setTimeout(res, 20)); // the hub is down
          }
        }
      };
      const killDelays: number[] = [];
      for (let round = 0; round < rounds; round++) {
        let killed = false;
        const producing = produce(() => killed);
        const delay = 300 + Math.floor(random() * 700);
        killDelays.push(delay);
        await new Promise((res) => setTimeout(res, delay));
        await hub.kill("SIGKILL");
        killed = true;
        await producing;
        hub = await ChildHub.start({ db, port, adminToken, flags });
      }
      // Every event in the app's log must arrive.
      const log: Array<{ cursor: string }> = [];
      for (let after = "0"; ;) {
        const page = (await rpc(hub, app.token, "events/replay", { after, limit: 1000 })).result;
        log.push(...page.items);
        if (page.nextCursor === undefined) break;
        after = page.nextCursor;
      }
      const cursors = log.map((i) => i.cursor);
      const arrived = () => new Set(receiver.events.map((e) => String(e.json.params.cursor)));
      await receiver.waitFor(() => cursors.every((c) => arrived().has(c)), "every logged event", 60_000);

      const firsts: number[] = [];
      const seen = new Set<string>();
      for (const e of receiver.events) {
        const c = String(e.json.params.cursor);
        expect(e.headers["webhook-id"]).toBe(`${app.app.id}.${c}`);
        verify(secret, e);
        if (!seen.has(c)) firsts.push(Number(c));
        seen.add(c);
      }
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      expect(produced).toBeGreaterThan(0);
      expect(log.length).toBeGreaterThanOrEqual(produced);
      const duplicates = receiver.events.length - seen.size;
      // No secret in anything the hub printed.
      expect(hub.output.join("")).not.toContain(secret.slice("whsec_".length));
      process.stdout.write(
        `webhook kill loop: ${rounds} kills after ${killDelays.join(",")} ms; ${log.length} events logged, ` +
          `${seen.size} delivered, ${duplicates} duplicates, 0 lost\n`,
      );
    } finally {
      await hub.kill("SIGTERM");
      await receiver.close();
    }
  }, 180_000);
});
