import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import type { Frame } from "../helpers/raw.ts";
import { dataOf, openTask, rawAuthed, say } from "../helpers/scenario.ts";

/**
 * Connections: several sockets per principal each get every notification
 * (section 2), server pings drop a peer that stops answering (section 1),
 * and the per-principal socket cap (--max-sockets-per-principal).
 */

describe("connections", () => {
  it("every socket of a principal receives every notification for it, with the same cursor", async () => {
    const t = await TestHub.start();
    try {
      const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
      const sockets = await Promise.all([rawAuthed(t, bob.token), rawAuthed(t, bob.token), rawAuthed(t, bob.token)]);
      const bearer = await t.raw({ authorization: `Bearer ${bob.token}` });
      const where = await openTask(alice, [bob]);
      const message = await say(alice, where, "to all of bob's sockets");
      const received = async (raw: typeof bearer) =>
        (await raw.next((f) => !Array.isArray(f) && f.method === "message/received")) as Frame;
      const frames = await Promise.all([...sockets.map((s) => received(s.raw)), received(bearer)]);
      for (const f of frames) {
        expect((f.params!.message as { id: string }).id).toBe(message.id);
        expect(f.params!.cursor).toBe(frames[0]!.params!.cursor);
      }
    } finally {
      await t.stop();
    }
  });

  it("terminates a peer that misses two pings, and keeps one that answers", async () => {
    const t = await TestHub.start({ heartbeatMs: 100 });
    try {
      const alice = await t.agent();
      const deaf = new WebSocket(t.wsUrl, { autoPong: false });
      const deafClosed = new Promise<number>((resolve) => deaf.once("close", (code) => resolve(code)));
      await new Promise((resolve) => deaf.once("open", resolve));
      let pings = 0;
      deaf.on("ping", () => pings++);
      const { raw: answering } = await rawAuthed(t, alice.token);
      // 1006: the hub drops the TCP connection without a close frame.
      expect(await deafClosed).toBe(1006);
      expect(pings).toBeGreaterThanOrEqual(2);
      expect((await answering.request("system/ping", {})).result).toBeDefined();
    } finally {
      await t.stop();
    }
  });

  it("refuses a socket over --max-sockets-per-principal: 429 on upgrade, Forbidden on auth/connect", async () => {
    const t = await TestHub.start({ maxSocketsPerPrincipal: 2 });
    try {
      const alice = await t.agent();
      await rawAuthed(t, alice.token);
      await rawAuthed(t, alice.token);
      const third = await t.raw();
      const answer = await third.request("auth/connect", { token: alice.token });
      expect(answer.error?.data).toMatchObject({ tag: "Forbidden", reason: "too_many_sockets" });
      expect(answer.error?.message).toMatch(/close one/);
      await expect(t.raw({ authorization: `Bearer ${alice.token}` })).rejects.toMatchObject({ status: 429 });
      // Other principals are not affected.
      const bob = await t.agent();
      await rawAuthed(t, bob.token);
      const err = await rejects(t.connect(alice.token), "Forbidden");
      expect(dataOf(err).reason).toBe("too_many_sockets");
    } finally {
      await t.stop();
    }
  });
});
