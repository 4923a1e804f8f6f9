import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, nowIso, openStorage, type Storage } from "../../storage/index.ts";
import { Committer } from "../../server/committer.ts";
import { createLogger } from "../../server/logger.ts";
import { createMetrics } from "../../server/metrics.ts";

describe("caches stay true to the database when a job rolls back", () => {
  let dir: string;
  let storage: Storage;
  let committer: Committer;
  let pk: number;
  let taskPk: number;
  let conversationId: string;
  let alice: string;
  let bob: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sb-cache-"));
    storage = openStorage(join(dir, "hub.db"));
    committer = new Committer(storage, () => {}, createMetrics(), createLogger("silent"));
    const at = nowIso();
    storage.apps.ensureDefault(at);
    alice = storage.agents.insert({ id: newId("agent"), name: "alice-cache", createdAt: at }).id;
    bob = storage.agents.insert({ id: newId("agent"), name: "bob-cache", createdAt: at }).id;
    const task = storage.tasks.insert({
      id: newId("task"),
      appId: "app_default",
      initiatorAgentId: alice,
      createdAt: at,
    });
    taskPk = task.pk;
    conversationId = newId("conversation");
    pk = storage.conversations.insert({ id: conversationId, taskPk: task.pk, createdBy: alice, createdAt: at });
    storage.conversations.join(pk, [alice], at);
  });
  afterAll(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("forgets participants read inside a job that then failed", async () => {
    expect(storage.conversations.participants(pk)).toEqual([alice]);
    const failing = committer.run(() => {
      storage.conversations.join(pk, [bob], nowIso());
      expect(storage.conversations.participants(pk)).toEqual([alice, bob]);
      throw new Error("the job fails after its write");
    });
    await expect(failing).rejects.toThrow("the job fails after its write");
    expect(storage.conversations.participants(pk)).toEqual([alice]);
    expect(storage.conversations.isParticipant(pk, bob)).toBe(false);
  });

  it("keeps what a successful job in the same transaction changed", async () => {
    const ok = committer.run(() => storage.conversations.join(pk, [bob], nowIso()));
    const failing = committer.run(() => {
      storage.conversations.part(pk, bob);
      storage.conversations.participants(pk);
      throw new Error("rolled back");
    });
    await ok;
    await expect(failing).rejects.toThrow("rolled back");
    expect(storage.conversations.participants(pk)).toEqual([alice, bob]);
  });

  it("forgets an app's manifest changed by a job that failed", async () => {
    expect(storage.apps.get("app_default")?.manifest).toEqual({});
    await expect(
      committer.run(() => {
        storage.apps.setManifest("app_default", { hooks: { messageAuthorize: true } });
        expect(storage.apps.get("app_default")?.manifest.hooks?.messageAuthorize).toBe(true);
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(storage.apps.get("app_default")?.manifest).toEqual({});
  });

  it("forgets a task status and an archive state changed by a job that failed, and sees committed ones", async () => {
    const context = () => storage.conversations.sendContext(conversationId, alice)!;
    expect(context()).toMatchObject({ taskStatus: "waiting", archived: false, member: true });
    await expect(
      committer.run(() => {
        storage.tasks.setStatus(taskPk, "active");
        storage.conversations.setArchived(pk, nowIso(), nowIso());
        expect(context()).toMatchObject({ taskStatus: "active", archived: true });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(context()).toMatchObject({ taskStatus: "waiting", archived: false });
    await committer.run(() => storage.tasks.setStatus(taskPk, "active"));
    expect(context()).toMatchObject({ taskStatus: "active", archived: false });
  });

  it("never lets a principal key made by a failed job name another principal's events", async () => {
    await expect(
      committer.run(() => {
        storage.events.append("test/event", '{"for":"ghost"}', ["p-ghost"], Date.now());
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    // SQLite hands the rolled-back key to the next new principal.
    await committer.run(() => storage.events.append("test/event", '{"for":"real"}', ["p-real"], Date.now()));
    expect(storage.events.after("p-ghost", 0, 10)).toEqual([]);
    expect(storage.events.after("p-real", 0, 10).map((e) => e.params)).toEqual(['{"for":"real"}']);
  });

  it("gives the next message the seq a failed job had taken: no gap", async () => {
    const first = await committer.run(() => storage.conversations.nextSeq(pk, nowIso()));
    await expect(
      committer.run(() => {
        expect(storage.conversations.nextSeq(pk, nowIso())).toBe(first + 1);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await committer.run(() => storage.conversations.nextSeq(pk, nowIso()))).toBe(first + 1);
  });
});
