import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../server/cli/commands.ts";
import { TestHub } from "../helpers/hub.ts";
import { checkEventLogs, checkStore, type Acked } from "./lib/crash.ts";
import { integrity, openReadOnly, seqGaps } from "./lib/state.ts";

/** Run the CLI in-process; returns its exit code and what it wrote to stderr. */
const cli = async (...argv: string[]): Promise<{ code: number; stderr: string }> => {
  let stderr = "";
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    return { code: await main(argv), stderr };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
};

describe("switchboard backup and restore", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-backup-"));
  const hubs: TestHub[] = [];
  afterAll(async () => {
    for (const h of hubs) await h.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("backs up while the hub serves writes; a hub started on the restored file has everything acknowledged before the backup", async () => {
    const t = await TestHub.start();
    hubs.push(t);
    const a = await t.connectedAgent();
    const b = await t.connectedAgent();
    const { task, conversation } = await a.client.call("task/request", {
      invitedAgentIds: [b.id],
      initialConversation: {},
    });
    const ref = { taskId: task.id, conversationId: conversation!.id };
    const acked = new Map<string, Acked>();
    let stop = false;
    const load = Promise.all(
      [0, 1, 2, 3].map(async (lane) => {
        for (let i = 0; !stop; i++) {
          const clientMessageId = `${lane}-${i}`;
          const { message } = await a.client.call("messages/send", {
            ...ref,
            parts: [{ type: "text", text: `message ${clientMessageId}` }],
            clientMessageId,
          });
          acked.set(clientMessageId, { id: message.id, seq: message.seq, conversationId: message.conversationId });
        }
      }),
    );
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 5));
    const beforeBackup = new Map(acked);
    const file = join(dir, "snapshot.db");
    const backedUp = await cli("backup", file, "--db", t.dbFile);
    expect(backedUp).toEqual({ code: 0, stderr: "" });
    stop = true;
    await load;
    expect(acked.size).toBeGreaterThan(beforeBackup.size);

    const restored = join(dir, "restored", "hub.db");
    expect(await cli("restore", file, "--db", restored)).toEqual({ code: 0, stderr: "" });
    const r = await TestHub.start({ db: restored });
    hubs.push(r);

    const ro = openReadOnly(restored);
    try {
      expect(integrity(ro)).toBe("ok");
      expect(checkStore(ro, beforeBackup, 0)).toEqual([]);
      expect(seqGaps(ro)).toEqual([]);
      expect(checkEventLogs(ro, [a.id, b.id], 0)).toEqual([]);
    } finally {
      ro.close();
    }
    // Tokens, tasks and the event log came back too: b resumes on the restored hub and a carries on.
    const b2 = await r.connect(b.token);
    const replay = await b2.call("events/replay", { after: "0", limit: 1000 });
    const received = new Set(
      replay.items.filter((i) => i.method === "message/received").map((i) => (i.params.message as { id: string }).id),
    );
    for (const m of beforeBackup.values()) expect(received.has(m.id)).toBe(true);
    const a2 = await r.connect(a.token);
    const stored = (await a2.call("messages/list", { ...ref, limit: 1 })).items[0]!.seq;
    const next = await a2.call("messages/send", { ...ref, parts: [{ type: "text", text: "after the restore" }] });
    expect(next.message.seq).toBe(stored + 1);
  });

  describe("refusals", () => {
    let t: TestHub;
    beforeEach(async () => {
      t = await TestHub.start();
      await t.agent();
    });
    afterEach(() => t.stop());

    it("will not overwrite a backup file unless --force", async () => {
      const file = join(dir, `exists-${Date.now()}.db`);
      expect((await cli("backup", file, "--db", t.dbFile)).code).toBe(0);
      const again = await cli("backup", file, "--db", t.dbFile);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/exists; pass --force/);
      expect((await cli("backup", file, "--db", t.dbFile, "--force")).code).toBe(0);
    });

    it("will not replace an existing database unless --force, nor, --force or not, one a running hub has open", async () => {
      const file = join(dir, `for-restore-${Date.now()}.db`);
      expect((await cli("backup", file, "--db", t.dbFile)).code).toBe(0);
      const exists = await cli("restore", file, "--db", t.dbFile);
      expect(exists.code).toBe(1);
      expect(exists.stderr).toMatch(/exists; pass --force/);
      const running = await cli("restore", file, "--db", t.dbFile, "--force");
      expect(running.code).toBe(1);
      expect(running.stderr).toMatch(/open in another process .* stop it, then restore/);
      // The running hub's database is untouched and still serving.
      expect((await (await t.admin()).call("system/ping")).now).toBeTypeOf("string");
    });

    it("will not restore a file that is not a sound Switchboard database", async () => {
      const garbage = join(dir, "garbage.db");
      writeFileSync(garbage, "not a database at all, not even close".repeat(200));
      const target = join(dir, "never.db");
      const notDb = await cli("restore", garbage, "--db", target);
      expect(notDb.code).toBe(1);
      expect(notDb.stderr).toMatch(/not a readable SQLite database/);
      // A real backup with pages overwritten in the middle.
      const damaged = join(dir, "damaged.db");
      expect((await cli("backup", damaged, "--db", t.dbFile)).code).toBe(0);
      const bytes = readFileSync(damaged);
      bytes.fill(0x5a, 4096 * 2, 4096 * 6);
      writeFileSync(damaged, bytes);
      const bad = await cli("restore", damaged, "--db", target);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/integrity_check|not a readable SQLite database/);
      const missing = await cli("restore", join(dir, "nowhere.db"), "--db", target);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/does not exist/);
    });
  });
});
