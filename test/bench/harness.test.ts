import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCursor, readStamp, sendFrame, stampedText } from "../../bench/lib/wire.ts";
import { Conn, connectAgent } from "../../bench/load/conn.ts";
import { summarise, type CpuProfile } from "../../bench/profile-summary.ts";
import {
  closeSeed,
  openSeed,
  seedAgents,
  seedConversation,
  seedMessages,
  type SeededConversation,
} from "../../bench/seed.ts";
import type { SeededAgent } from "../../bench/seed.ts";
import { TestHub } from "../helpers/hub.ts";

/**
 * The benchmark (npm run bench) reads the hub's frames by byte offsets and
 * seeds its databases without the hub. These check, without timing
 * anything, that both still match what the hub writes and accepts.
 */
describe("the benchmark harness matches the hub", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-bench-test-"));
  const db = join(dir, "seeded.db");
  let t: TestHub;
  let agents: SeededAgent[];
  let conv: SeededConversation;
  let lastCursor: number;
  const conns: Conn[] = [];

  beforeAll(async () => {
    const storage = await openSeed(db);
    agents = await seedAgents(storage, 2, "harness");
    conv = await seedConversation(storage, agents);
    lastCursor = (await seedMessages(storage, conv, agents[0]!.id, 3, () => stampedText(1))).get(agents[1]!.id)!;
    await closeSeed(storage);
    t = await TestHub.start({ db });
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("seeded agents authenticate, and their seeded conversation lists the seeded messages", async () => {
    const alice = await connectAgent(t.wsUrl, agents[0]!.token);
    conns.push(alice);
    const page = (await alice.call("messages/list", { taskId: conv.taskId, conversationId: conv.conversationId })) as {
      items: Array<{ seq: number; senderId: string }>;
    };
    expect(page.items.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(page.items.every((m) => m.senderId === agents[0]!.id)).toBe(true);
  });

  it("reads the id and outcome of a raw messages/send answer, and the stamp and cursor of the partner's notification", async () => {
    const alice = await connectAgent(t.wsUrl, agents[0]!.token);
    const bob = await connectAgent(t.wsUrl, agents[1]!.token);
    conns.push(alice, bob);
    const answered = new Promise<{ id: number; ok: boolean; stamp: number }>((resolve) => {
      alice.onResult = (id, ok, frame) => resolve({ id, ok, stamp: readStamp(frame) });
    });
    const notified = new Promise<{ stamp: number; cursor: number }>((resolve) => {
      bob.onNotification = (frame) => resolve({ stamp: readStamp(frame), cursor: readCursor(frame) });
    });
    const id = alice.takeId();
    alice.send(sendFrame(conv.taskId, conv.conversationId)(id, stampedText(1234.5)));
    expect(await answered).toEqual({ id, ok: true, stamp: 1234.5 });
    const note = await notified;
    expect(note.stamp).toBe(1234.5);
    expect(note.cursor).toBeGreaterThan(lastCursor);
  });

  it("reads an error answer as not ok", async () => {
    const alice = await connectAgent(t.wsUrl, agents[0]!.token);
    conns.push(alice);
    const answered = new Promise<{ id: number; ok: boolean }>((resolve) => {
      alice.onResult = (id, ok) => resolve({ id, ok });
    });
    const id = alice.takeId();
    alice.send(sendFrame(conv.taskId, "cnv_doesnotexist0000")(id, stampedText(0)));
    expect(await answered).toEqual({ id, ok: false });
  });

  it("replays the seeded events in order after resumeAfter", async () => {
    const cursors: number[] = [];
    const bob = await Conn.open(t.wsUrl);
    conns.push(bob);
    const two = new Promise<void>((resolve) => {
      bob.onNotification = (frame) => {
        cursors.push(readCursor(frame));
        if (cursors.length === 2) resolve();
      };
    });
    await bob.call("auth/connect", { token: agents[1]!.token, resumeAfter: String(lastCursor - 2) });
    await two;
    expect(cursors.slice(0, 2)).toEqual([lastCursor - 1, lastCursor]);
  });
});

describe("the profile summary", () => {
  // root → main → (hot, cold); samples: hot ×3, cold ×1, idle ×1, each 1 ms
  const profile: CpuProfile = {
    startTime: 1000,
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 5] },
      { id: 2, callFrame: { functionName: "main", url: "file:///x/server/hub.ts", lineNumber: 0 }, children: [3, 4] },
      { id: 3, callFrame: { functionName: "hot", url: "file:///x/node_modules/pkg/a.js", lineNumber: 9 } },
      { id: 4, callFrame: { functionName: "cold", url: "node:internal/b", lineNumber: 1 } },
      { id: 5, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
    ],
    samples: [3, 3, 3, 4, 5, 5],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
  };

  it("splits busy time by function and package, leaving idle out", () => {
    const s = summarise(profile, 10);
    expect(s.busyMs).toBe(4);
    expect(s.self[0]).toMatchObject({ name: "hot node_modules/pkg/a.js:10", ms: 3, share: 0.75 });
    expect(s.byModule.map((m) => m.name)).toEqual(["npm:pkg", "node:internal"]);
    expect(s.inclusive.find((h) => h.name.startsWith("main"))?.ms).toBe(4);
  });

  it("keeps only the samples inside the given windows", () => {
    // sample i is at startTime + sum of deltas up to i: 1000, 2000, 3000, 4000, 5000, 6000
    const s = summarise(profile, 10, [[2500, 4500]]);
    expect(s.busyMs).toBe(2);
    expect(s.self.map((h) => h.name.split(" ")[0])).toEqual(["hot", "cold"]);
  });
});
