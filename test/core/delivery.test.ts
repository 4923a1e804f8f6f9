import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import type { Frame, RawSocket } from "../helpers/raw.ts";
import {
  dataOf,
  eventLog,
  openTask,
  rawAuthed,
  say,
  until,
  type Connected,
  type OpenTask,
} from "../helpers/scenario.ts";
import { connect, SwitchboardClient, type ConnectionEvent } from "../../client/index.ts";
import type { Message } from "../../protocol/index.ts";

/** Section 6: cursors, events/replay and events/ack, resume, retention and the slow-consumer policy. */

/** The logged notifications a raw socket got, in order. */
const loggedFrames = (raw: RawSocket): Frame[] =>
  raw.frames.filter((f): f is Frame => !Array.isArray(f) && f.id === undefined && typeof f.params?.cursor === "string");
const asItems = (frames: Frame[]) =>
  frames.map((f) => ({ cursor: f.params!.cursor as string, method: f.method!, params: f.params! }));
const messageOf = (f: { params: Record<string, unknown> }) => f.params.message as Message;

describe("section 6: events, delivery and resume", () => {
  let t: TestHub;
  let alice: Connected;
  let bob: Connected;
  let where: OpenTask;
  beforeAll(async () => {
    t = await TestHub.start();
    [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    where = await openTask(alice, [bob]);
  });
  afterAll(() => t.stop());

  describe("cursors and events/replay", () => {
    it("pushes every logged notification with a cursor that increases strictly per principal", async () => {
      const carol = await t.connectedAgent();
      const { raw } = await rawAuthed(t, carol.token);
      const mine = await openTask(alice, [carol]);
      for (let i = 0; i < 5; i++) await say(alice, mine, `n${i}`);
      await raw.next(() => loggedFrames(raw).length >= 7);
      const cursors = loggedFrames(raw).map((f) => BigInt(f.params!.cursor as string));
      expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(cursors).size).toBe(cursors.length);
      // What was pushed is what the log holds, params and cursor alike (10.22).
      expect(asItems(loggedFrames(raw))).toEqual(await eventLog(carol.client));
    });

    it("pages with limit and nextCursor, absent once the end is reached (10.9, 10.20)", async () => {
      const carol = await t.connectedAgent();
      const mine = await openTask(alice, [carol]);
      for (let i = 0; i < 6; i++) await say(alice, mine, `p${i}`);
      const all = await eventLog(carol.client);
      expect(all).toHaveLength(8);

      const first = await carol.client.call("events/replay", { after: "0", limit: 3 });
      expect(first.items).toEqual(all.slice(0, 3));
      expect(first.nextCursor).toBe(all[2]!.cursor);
      const second = await carol.client.call("events/replay", { after: first.nextCursor!, limit: 3 });
      expect(second.items).toEqual(all.slice(3, 6));
      const last = await carol.client.call("events/replay", { after: second.nextCursor!, limit: 3 });
      expect(last.items).toEqual(all.slice(6));
      expect(last.nextCursor).toBeUndefined();
      // A page that exactly reaches the end.
      const exact = await carol.client.call("events/replay", { after: all[3]!.cursor, limit: 4 });
      expect(exact.items).toEqual(all.slice(4));
      const beyond = await carol.client.call("events/replay", { after: exact.nextCursor ?? all[7]!.cursor });
      expect(beyond).toEqual({ items: [] });
      // The default page holds up to 100.
      expect((await carol.client.call("events/replay", { after: "0" })).items).toEqual(all);
    });

    it("refuses a limit over 1000 and a cursor that is not a non-negative integer", async () => {
      await rejects(alice.client.call("events/replay", { after: "0", limit: 1001 }), "InvalidParams");
      await rejects(alice.client.call("events/replay", { after: "0", limit: 0 }), "InvalidParams");
      for (const after of ["-1", "abc", "01", ""]) {
        const err = await rejects(alice.client.call("events/replay", { after }), "InvalidParams");
        expect(dataOf(err).issues[0].path).toEqual(["after"]);
      }
      await rejects(alice.client.call("events/ack", { cursor: "x" }), "InvalidParams");
    });

    it("after events/ack, replaying from before the ack is Conflict cursor_expired with data.oldestCursor", async () => {
      const carol = await t.connectedAgent();
      const mine = await openTask(alice, [carol]);
      for (let i = 0; i < 4; i++) await say(alice, mine, `a${i}`);
      const all = await eventLog(carol.client);
      expect(await carol.client.call("events/ack", { cursor: all[2]!.cursor })).toEqual({});

      for (const after of [all[0]!.cursor, all[1]!.cursor]) {
        const err = await rejects(carol.client.call("events/replay", { after }), "Conflict");
        expect(dataOf(err)).toMatchObject({ reason: "cursor_expired", oldestCursor: all[3]!.cursor });
        expect(err.message).toMatch(/resynchronise/);
      }
      // From the acked cursor on, and from "0", the log continues.
      expect((await carol.client.call("events/replay", { after: all[2]!.cursor })).items).toEqual(all.slice(3));
      expect((await carol.client.call("events/replay", { after: "0" })).items).toEqual(all.slice(3));
      // So does a resume.
      const raw = await t.raw();
      const resumed = await raw.request("auth/connect", { token: carol.token, resumeAfter: all[0]!.cursor });
      expect(resumed.error?.data).toMatchObject({
        tag: "Conflict",
        reason: "cursor_expired",
        oldestCursor: all[3]!.cursor,
      });
      // Acking everything keeps the principal's cursor where it was.
      const newest = all.at(-1)!.cursor;
      await carol.client.call("events/ack", { cursor: newest });
      expect((await rawAuthed(t, carol.token)).hello.cursor).toBe(newest);
      expect((await carol.client.call("events/replay", { after: newest })).items).toEqual([]);
      expect((await carol.client.call("events/replay", { after: "0" })).items).toEqual([]);
    });
  });

  describe("resume", () => {
    it("auth/connect {resumeAfter} pushes exactly the missed events, in order, right after the answer and before new ones", async () => {
      const first = await rawAuthed(t, bob.token);
      await say(alice, where, "seen 1");
      await say(alice, where, "seen 2");
      await first.raw.next(() => loggedFrames(first.raw).length >= 2);
      const seen = loggedFrames(first.raw);
      const lastSeen = seen.at(-1)!.params!.cursor as string;
      await first.raw.close();

      const missed: Message[] = [];
      for (let i = 1; i <= 5; i++) missed.push(await say(alice, where, `missed ${i}`));

      const second = await t.raw();
      second.send({
        jsonrpc: "2.0",
        id: "resume",
        method: "auth/connect",
        params: { token: bob.token, resumeAfter: lastSeen },
      });
      // A new message races the resume: it must come after every missed one.
      const fresh = await say(alice, where, "new");
      await second.next(() =>
        loggedFrames(second).some((f) => f.params!.message && messageOf({ params: f.params! }).id === fresh.id),
      );

      const answerAt = second.frames.findIndex((f) => !Array.isArray(f) && f.id === "resume");
      const firstEventAt = second.frames.findIndex((f) => !Array.isArray(f) && f.id === undefined);
      expect(answerAt).toBeGreaterThanOrEqual(0);
      expect(answerAt).toBeLessThan(firstEventAt);
      const pushed = asItems(loggedFrames(second));
      expect(pushed).toEqual(await eventLog(bob.client, lastSeen));
      expect(pushed.map((e) => messageOf(e).id)).toEqual([...missed, fresh].map((m) => m.id));
    });

    it("a resume over more than a page of the log, with new events racing it, delivers each once, in order", async () => {
      const carol = await t.connectedAgent();
      const room = await openTask(alice, [carol]);
      const { raw, hello } = await rawAuthed(t, carol.token);
      await raw.close();
      const burst = async (n: number, label: string) => {
        const out: Message[] = [];
        for (let i = 0; i < n; i += 100) {
          out.push(
            ...(await Promise.all(
              Array.from({ length: Math.min(100, n - i) }, (_, j) => say(alice, room, `${label} ${i + j}`)),
            )),
          );
        }
        return out;
      };
      const missed = await burst(1500, "missed");
      const again = await t.raw();
      again.send({
        jsonrpc: "2.0",
        id: "resume",
        method: "auth/connect",
        params: { token: carol.token, resumeAfter: hello.cursor },
      });
      const racing = await burst(200, "racing");
      // Sends made at once commit in any order (on PostgreSQL, side by side): the last is the highest seq.
      const last = racing.reduce((a, b) => (b.seq > a.seq ? b : a));
      await again.next(() => loggedFrames(again).some((f) => messageOf({ params: f.params! }).id === last.id), 30_000);
      const pushed = asItems(loggedFrames(again));
      expect(pushed).toEqual(await eventLog(carol.client, hello.cursor));
      const ids = pushed.filter((e) => e.method === "message/received").map((e) => messageOf(e).id);
      expect(ids).toEqual([...missed, ...racing].sort((a, b) => a.seq - b.seq).map((m) => m.id));
    }, 60_000);

    it("a resume with nothing missed pushes nothing, then live events flow", async () => {
      const { raw, hello } = await rawAuthed(t, bob.token);
      await raw.close();
      const again = await rawAuthed(t, bob.token, { resumeAfter: hello.cursor });
      const live = await say(alice, where, "live after resume");
      await again.raw.next(() => loggedFrames(again.raw).length >= 1);
      expect(loggedFrames(again.raw).map((f) => messageOf({ params: f.params! }).id)).toEqual([live.id]);
    });

    it("the client reconnects by itself and resumes: every message once, in order", async () => {
      const client = await connect({
        url: t.wsUrl,
        token: bob.token,
        reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      });
      try {
        const got: Message[] = [];
        client.on("message/received", (p) => got.push(p.message));
        const events: ConnectionEvent[] = [];
        client.onConnection((e) => events.push(e));
        const before = await say(alice, where, "before the drop");
        await until(() => got.some((m) => m.id === before.id), "the first message");

        // Drop the connection from under the client; the hub may push into the dead socket meanwhile.
        (client as unknown as { ws: { terminate(): void } }).ws.terminate();
        const during: Message[] = [];
        for (let i = 0; i < 5; i++) during.push(await say(alice, where, `during ${i}`));
        await until(() => events.some((e) => e.type === "connected"), "the reconnect");
        const after = await say(alice, where, "after the reconnect");
        await until(() => got.some((m) => m.id === after.id), "the last message");

        expect(events[0]).toMatchObject({ type: "disconnected" });
        expect(events.find((e) => e.type === "connected")).toEqual({ type: "connected", resumed: true });
        expect(got.map((m) => m.id)).toEqual([before, ...during, after].map((m) => m.id));
      } finally {
        await client.close();
      }
    });
  });

  describe("slow consumer", () => {
    it("closes a socket that stops reading with 4008; resuming from its cursor delivers every missed event once, in order", async () => {
      const slow = await TestHub.start({ maxBufferedBytes: 256 * 1024 });
      try {
        const [sender, reader, watcher] = await Promise.all([
          slow.connectedAgent(),
          slow.agent(),
          slow.connectedAgent(),
        ]);
        const { raw } = await rawAuthed(slow, reader.token);
        const room = await openTask(sender, [reader]);
        await raw.next(() => loggedFrames(raw).length >= 2);
        const offline = watcher.client.once(
          "presence/changed",
          (p) => p.agentId === reader.id && p.status === "offline",
          60_000,
        );
        await watcher.client.call("presence/subscribe", { agentIds: [reader.id] });

        // The reader stops reading; the sender keeps talking until the hub gives up on the reader.
        (raw.ws as unknown as { _socket: Socket })._socket.pause();
        let gone = false;
        void offline.then(() => (gone = true));
        const sent: Message[] = [];
        const chunk = "z".repeat(30_000);
        while (!gone && sent.length < 2000) {
          const batch = await Promise.all(Array.from({ length: 10 }, () => say(sender, room, chunk)));
          sent.push(...batch);
        }
        expect(gone).toBe(true);
        await offline;

        // It reads again: what was already written arrives, then the close.
        (raw.ws as unknown as { _socket: Socket })._socket.resume();
        expect((await raw.closed).code).toBe(4008);
        const before = loggedFrames(raw);
        const lastCursor = before.at(-1)!.params!.cursor as string;

        const resumed = await rawAuthed(slow, reader.token, { resumeAfter: lastCursor });
        // Sends made at once commit in any order (on PostgreSQL, side by side): the last is the highest seq.
        const last = sent.reduce((a, b) => (b.seq > a.seq ? b : a));
        await resumed.raw.next(
          () => loggedFrames(resumed.raw).some((f) => (f.params!.message as Message | undefined)?.id === last.id),
          20_000,
        );
        const received = [...before, ...loggedFrames(resumed.raw)]
          .filter((f) => f.method === "message/received")
          .map((f) => (f.params!.message as Message).id);
        expect(received).toEqual(sent.map((m) => m.id).sort((a, b) => seqOf(sent, a) - seqOf(sent, b)));
        const cursors = [...before, ...loggedFrames(resumed.raw)].map((f) => BigInt(f.params!.cursor as string));
        expect(new Set(cursors).size).toBe(cursors.length);
      } finally {
        await slow.stop();
      }
    }, 120_000);
  });

  describe("retention", () => {
    it("drops events older than --event-retention at start; a resume from before them is cursor_expired and the client resets", async () => {
      const aged = await TestHub.start();
      try {
        const [sender, reader] = await Promise.all([aged.connectedAgent(), aged.connectedAgent()]);
        const room = await openTask(sender, [reader]);
        await say(sender, room, "old news");
        const all = await eventLog(reader.client);
        expect(all.map((e) => e.method)).toEqual(["task/created", "agent/conversation/created", "message/received"]);
        const newest = all.at(-1)!.cursor;

        // The sweep runs at start (and every minute): restart with a retention of 1 ms.
        await aged.restart({ eventRetention: 1 });
        const raw = await aged.raw();
        const resumed = await raw.request("auth/connect", { token: reader.token, resumeAfter: all[0]!.cursor });
        expect(resumed.error?.data).toMatchObject({
          tag: "Conflict",
          reason: "cursor_expired",
          oldestCursor: newest,
        });
        const hello = await raw.request("auth/connect", { token: reader.token });
        expect(hello.result.cursor).toBe(newest);
        const again = await aged.connect(reader.token);
        expect(await again.call("events/replay", { after: "0" })).toEqual({ items: [] });
        await rejects(again.call("events/replay", { after: all[0]!.cursor }), "Conflict");
        // From the newest dropped cursor on, nothing is missing.
        expect(await again.call("events/replay", { after: newest })).toEqual({ items: [] });

        // The client told to resume from an expired cursor reports a reset and connects afresh.
        const events: ConnectionEvent[] = [];
        const client = new SwitchboardClient({
          url: aged.wsUrl,
          token: reader.token,
          resumeAfter: all[0]!.cursor,
          reconnect: false,
        });
        client.onConnection((e) => events.push(e));
        await client.open();
        expect(events).toEqual([
          { type: "reset", oldestCursor: newest },
          { type: "connected", resumed: false },
        ]);
        expect(client.cursor).toBe(newest);
        await client.close();
        // Events after the restart are kept (the next sweep is a minute away) and delivered.
        const sender2 = await aged.connect(sender.token);
        const fresh = await sender2.call("messages/send", {
          taskId: room.task.id,
          conversationId: room.conversation.id,
          parts: [{ type: "text", text: "new news" }],
        });
        const log = await eventLog(again);
        expect(log.map((e) => messageOf(e).id)).toEqual([fresh.message.id]);
      } finally {
        await aged.stop();
      }
    });
  });
});

const seqOf = (sent: Message[], id: string) => sent.find((m) => m.id === id)!.seq;
