import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";

/** Section 5.5: the agent directory, agent/agents/list. */

describe("section 5.5: agent/agents/list", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
    for (const [name, displayName] of [
      ["dir-carol", "Carol Jones"],
      ["dir-alice", "Alice Smith"],
      ["dir-bob", undefined],
      ["dir-a_b", "Underscore"],
      ["dir-axb", "Percent 100% sure"],
    ] as const) {
      await t.agent({ name, ...(displayName ? { displayName } : {}) });
    }
  });
  afterAll(() => t.stop());

  it("lists agents by name with their cards, for every principal type", async () => {
    const admin = await t.admin();
    const { items, nextCursor } = await admin.call("agent/agents/list", { query: "dir-" });
    expect(items.map((a) => a.name)).toEqual(["dir-a_b", "dir-alice", "dir-axb", "dir-bob", "dir-carol"]);
    expect(nextCursor).toBeUndefined();
    expect(items[1]).toEqual({
      id: expect.stringMatching(/^agt_/),
      name: "dir-alice",
      displayName: "Alice Smith",
      status: "active",
      did: `did:switchboard:${items[1]!.id}`,
      createdAt: expect.any(String),
      card: null,
    });
    const agent = await t.connectedAgent();
    const app = await t.connectedApp();
    const user = await t.connect((await t.user()).token);
    for (const client of [agent.client, app.client, user]) {
      expect((await client.call("agent/agents/list", { query: "dir-" })).items).toEqual(items);
    }
  });

  it("matches the query against the name and the display name, taking _ and % literally", async () => {
    const admin = await t.admin();
    const names = async (query: string) => (await admin.call("agent/agents/list", { query })).items.map((a) => a.name);
    expect(await names("smith")).toEqual(["dir-alice"]);
    expect(await names("dir-b")).toEqual(["dir-bob"]);
    expect(await names("a_b")).toEqual(["dir-a_b"]);
    expect(await names("100%")).toEqual(["dir-axb"]);
    expect(await names("no such agent")).toEqual([]);
  });

  it("pages by name with limit and cursor, inserts in between neither skipped nor repeated", async () => {
    const admin = await t.admin();
    const first = await admin.call("agent/agents/list", { query: "dir-", limit: 2 });
    expect(first.items.map((a) => a.name)).toEqual(["dir-a_b", "dir-alice"]);
    // Inserted before the cursor: not shown. After it: shown in its place.
    await t.agent({ name: "dir-aaa" });
    await t.agent({ name: "dir-bz" });
    const second = await admin.call("agent/agents/list", { query: "dir-", limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((a) => a.name)).toEqual(["dir-axb", "dir-bob"]);
    const third = await admin.call("agent/agents/list", { query: "dir-", limit: 2, cursor: second.nextCursor! });
    expect(third.items.map((a) => a.name)).toEqual(["dir-bz", "dir-carol"]);
    await rejects(admin.call("agent/agents/list", { cursor: "garbage" }), "InvalidParams");
  });
});
