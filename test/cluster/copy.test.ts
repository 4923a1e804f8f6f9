import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyToPostgres } from "../../server/cli/copy.ts";
import { TestHub } from "../helpers/hub.ts";
import { dropDatabase, freshDatabase } from "../helpers/postgres.ts";
import { eventLog, openTask, say } from "../helpers/scenario.ts";

describe("switchboard copy --to postgres://… (moving up, issue 10)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-copy-"));
  const file = join(dir, "embedded.db");
  const urls: string[] = [];
  afterAll(async () => {
    for (const u of urls) await dropDatabase(u);
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps ids, seqs and cursors: the same hub answers the same on PostgreSQL, and goes on from there", async () => {
    const embedded = await TestHub.start({ db: file });
    const alice = await embedded.connectedAgent();
    const bob = await embedded.connectedAgent();
    const room = await openTask(alice, [bob]);
    for (let i = 0; i < 25; i++) await say(alice, room, `before the move ${i}`);
    const user = await embedded.user();
    const userClient = await embedded.connect(user.token);
    await userClient.call("actions/invoke", {
      action: "circle.create",
      params: { name: "movers", kind: "group" },
      idempotencyKey: "move-1",
    });
    const bobLog = await eventLog(bob.client);
    const history = await bob.client.call("messages/list", {
      taskId: room.task.id,
      conversationId: room.conversation.id,
      afterSeq: 0,
      limit: 100,
    });
    const midCursor = bobLog[10]!.cursor;
    await embedded.stop();

    const url = await freshDatabase();
    urls.push(url);
    const copied = await copyToPostgres(file, url);
    expect(copied.tables.messages).toBe(25);

    const moved = await TestHub.start({ db: url, adminToken: embedded.adminToken });
    try {
      const bob2 = await moved.connect(bob.token);
      expect(await eventLog(bob2)).toEqual(bobLog);
      expect(await eventLog(bob2, midCursor)).toEqual(bobLog.slice(11));
      const again = await bob2.call("messages/list", {
        taskId: room.task.id,
        conversationId: room.conversation.id,
        afterSeq: 0,
        limit: 100,
      });
      expect(again).toEqual(history);

      // It goes on: the next message takes the next seq, and its cursor comes after every copied one.
      const alice2 = { client: await moved.connect(alice.token) };
      const next = await say(alice2, room, "after the move");
      expect(next.seq).toBe(26);
      const after = await eventLog(bob2, bobLog.at(-1)!.cursor);
      expect(after.map((e) => e.method)).toEqual(["message/received"]);
      expect(BigInt(after[0]!.cursor)).toBeGreaterThan(BigInt(bobLog.at(-1)!.cursor));

      // New rows get new keys, past the copied ones, and the idempotency key still holds.
      const user2 = await moved.connect(user.token);
      const repeat = await user2.call("actions/invoke", {
        action: "circle.create",
        params: { name: "movers", kind: "group" },
        idempotencyKey: "move-1",
      });
      const fresh = await user2.call("actions/invoke", {
        action: "circle.create",
        params: { name: "new", kind: "group" },
      });
      const circles = await moved.query<{ n: number }>(
        "SELECT count(*) AS n FROM circles WHERE owner_user_id = ?",
        user.id,
      );
      expect(circles[0]!.n).toBe(2);
      expect(repeat).toBeDefined();
      expect(fresh).toBeDefined();
    } finally {
      await moved.stop();
    }
  });

  it("refuses a database that already holds a hub's data", async () => {
    const url = await freshDatabase();
    urls.push(url);
    const hub = await TestHub.start({ db: url });
    await hub.stop();
    await expect(copyToPostgres(file, url)).rejects.toThrow(/already holds a hub's data/);
  });
});
