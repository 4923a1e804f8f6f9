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

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sb-cache-"));
    storage = await openStorage(join(dir, "hub.db"));
    committer = new Committer(storage, () => {}, createMetrics(), createLogger("silent"));
    const at = nowIso();
    await committer.run(async () => {
      await storage.apps.ensureDefault(at);
      alice = (await storage.agents.insert({ id: newId("agent"), name: "alice-cache", createdAt: at })).id;
      bob = (await storage.agents.insert({ id: newId("agent"), name: "bob-cache", createdAt: at })).id;
      const task = await storage.tasks.insert({
        id: newId("task"),
        appId: "app_default",
        initiatorAgentId: alice,
        createdAt: at,
      });
      taskPk = task.pk;
      conversationId = newId("conversation");
      pk = await storage.conversations.insert({ id: conversationId, taskPk: task.pk, createdBy: alice, createdAt: at });
      await storage.conversations.join(pk, [alice], at);
    });
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("forgets participants read inside a job that then failed", async () => {
    expect(await storage.conversations.participants(pk)).toEqual([alice]);
    const failing = committer.run(async () => {
      await storage.conversations.join(pk, [bob], nowIso());
      expect(await storage.conversations.participants(pk)).toEqual([alice, bob]);
      throw new Error("the job fails after its write");
    });
    await expect(failing).rejects.toThrow("the job fails after its write");
    expect(await storage.conversations.participants(pk)).toEqual([alice]);
    expect(await storage.conversations.isParticipant(pk, bob)).toBe(false);
  });

  it("keeps what a successful job in the same transaction changed", async () => {
    const ok = committer.run(() => storage.conversations.join(pk, [bob], nowIso()));
    const failing = committer.run(async () => {
      await storage.conversations.part(pk, bob);
      await storage.conversations.participants(pk);
      throw new Error("rolled back");
    });
    await ok;
    await expect(failing).rejects.toThrow("rolled back");
    expect(await storage.conversations.participants(pk)).toEqual([alice, bob]);
  });

  it("forgets an app's manifest changed by a job that failed", async () => {
    expect((await storage.apps.get("app_default"))?.manifest).toEqual({});
    await expect(
      committer.run(async () => {
        await storage.apps.setManifest("app_default", { hooks: { messageAuthorize: true } });
        expect((await storage.apps.get("app_default"))?.manifest.hooks?.messageAuthorize).toBe(true);
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect((await storage.apps.get("app_default"))?.manifest).toEqual({});
  });

  it("forgets a task status and an archive state changed by a job that failed, and sees committed ones", async () => {
    const context = async () => (await storage.conversations.sendContext(conversationId, alice))!;
    expect(await context()).toMatchObject({ taskStatus: "waiting", archived: false, member: true });
    await expect(
      committer.run(async () => {
        await storage.tasks.setStatus(taskPk, "active");
        await storage.conversations.setArchived(pk, nowIso(), nowIso());
        expect(await context()).toMatchObject({ taskStatus: "active", archived: true });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await context()).toMatchObject({ taskStatus: "waiting", archived: false });
    await committer.run(() => storage.tasks.setStatus(taskPk, "active"));
    expect(await context()).toMatchObject({ taskStatus: "active", archived: false });
  });

  it("never lets a principal key made by a failed job name another principal's events", async () => {
    await expect(
      committer.run(async () => {
        await storage.events.append("test/event", '{"for":"ghost"}', ["p-ghost"], Date.now());
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    // SQLite hands the rolled-back key to the next new principal.
    await committer.run(() => storage.events.append("test/event", '{"for":"real"}', ["p-real"], Date.now()));
    expect(await storage.events.after("p-ghost", 0, 10)).toEqual([]);
    expect((await storage.events.after("p-real", 0, 10)).map((e) => e.params)).toEqual(['{"for":"real"}']);
  });

  it("gives the next message the seq a failed job had taken: no gap", async () => {
    const message = () => ({
      id: newId("message"),
      conversationPk: pk,
      senderId: alice,
      partsJson: '[{"type":"text","text":"x"}]',
      createdAt: nowIso(),
    });
    const first = await committer.run(() => storage.messages.append(message()));
    const lost = message();
    await expect(
      committer.run(async () => {
        expect(await storage.messages.append(lost)).toBe(first + 1);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await storage.messages.get(lost.id)).toBeUndefined();
    expect(await committer.run(() => storage.messages.append(message()))).toBe(first + 1);
  });
});
