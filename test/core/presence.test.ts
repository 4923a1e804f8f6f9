import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import type { RawSocket } from "../helpers/raw.ts";
import { dataOf, eventLog, rawAuthed } from "../helpers/scenario.ts";

/** Section 5.5: presence/subscribe and presence/changed, once per real change, to subscribed sockets only. */

describe("section 5.5: presence", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  /** The presence/changed frames a socket got, as [agentId, status]. */
  const changes = (raw: RawSocket) =>
    raw.notifications("presence/changed").map((f) => [f.params!.agentId, f.params!.status]);
  const waitFor = (raw: RawSocket, agentId: string, status: string, nth = 1) =>
    raw.next(
      () =>
        raw
          .notifications("presence/changed")
          .filter((f) => f.params!.agentId === agentId && f.params!.status === status).length >= nth,
    );

  it("answers the current statuses of the agents asked about", async () => {
    const [online, offline, watcher] = await Promise.all([t.connectedAgent(), t.agent(), t.connectedAgent()]);
    const { statuses } = await watcher.client.call("presence/subscribe", { agentIds: [online.id, offline.id] });
    expect(statuses).toEqual([
      { agentId: online.id, status: "online" },
      { agentId: offline.id, status: "offline" },
    ]);
    expect(await watcher.client.call("presence/subscribe", { agentIds: [] })).toEqual({ statuses: [] });
  });

  it("is AgentNotFound, with data.agentIds, for unknown agents", async () => {
    const watcher = await t.connectedAgent();
    const err = await rejects(watcher.client.call("presence/subscribe", { agentIds: ["agt_ghost"] }), "AgentNotFound");
    expect(dataOf(err).agentIds).toEqual(["agt_ghost"]);
  });

  it("announces each real change once: a second socket does not re-announce; offline after the last closes", async () => {
    const alice = await t.agent();
    const watcher = await t.connectedApp();
    const { raw } = await rawAuthed(t, watcher.token);
    const subscribed = await raw.request("presence/subscribe", { agentIds: [alice.id] });
    expect(subscribed.result.statuses).toEqual([{ agentId: alice.id, status: "offline" }]);

    const first = await rawAuthed(t, alice.token);
    await waitFor(raw, alice.id, "online");
    // A second socket, by bearer header this time, then the first one closes: still online, nothing said.
    const second = await t.raw({ authorization: `Bearer ${alice.token}` });
    await first.raw.close();
    await second.close();
    await waitFor(raw, alice.id, "offline");
    expect(changes(raw)).toEqual([
      [alice.id, "online"],
      [alice.id, "offline"],
    ]);
    // Presence frames are plain notifications: no cursor, not in the event log.
    expect(raw.notifications("presence/changed")[0]!.params).toEqual({ agentId: alice.id, status: "online" });
    expect(await eventLog(watcher.client)).toEqual([]);

    await rawAuthed(t, alice.token);
    await waitFor(raw, alice.id, "online", 2);
    expect(changes(raw)).toEqual([
      [alice.id, "online"],
      [alice.id, "offline"],
      [alice.id, "online"],
    ]);
  });

  it("goes to subscribed sockets only, and a new subscription replaces the old one", async () => {
    const [alice, bob] = await Promise.all([t.agent(), t.agent()]);
    const watcher = await t.agent();
    const subscribed = (await rawAuthed(t, watcher.token)).raw;
    const other = (await rawAuthed(t, watcher.token)).raw;
    await subscribed.request("presence/subscribe", { agentIds: [alice.id] });
    await other.request("presence/subscribe", { agentIds: [bob.id] });

    const aliceSocket = await rawAuthed(t, alice.token);
    await waitFor(subscribed, alice.id, "online");
    // Now switch the first socket to bob; alice going offline is no longer its business.
    await subscribed.request("presence/subscribe", { agentIds: [bob.id] });
    await aliceSocket.raw.close();
    await rawAuthed(t, bob.token);
    await waitFor(subscribed, bob.id, "online");
    await waitFor(other, bob.id, "online");
    expect(changes(subscribed)).toEqual([
      [alice.id, "online"],
      [bob.id, "online"],
    ]);
    expect(changes(other)).toEqual([[bob.id, "online"]]);
  });

  it("announces offline when a suspension closes the agent's sockets", async () => {
    const alice = await t.connectedAgent();
    const watcher = await t.connectedAgent();
    const offline = watcher.client.once("presence/changed", (p) => p.agentId === alice.id && p.status === "offline");
    await watcher.client.call("presence/subscribe", { agentIds: [alice.id] });
    const admin = await t.admin();
    await admin.call("admin/agent/suspend", { agentId: alice.id });
    expect(await offline).toEqual({ agentId: alice.id, status: "offline" });
  });

  it("may be used by apps, users and the admin", async () => {
    const alice = await t.connectedAgent();
    const user = await t.user();
    for (const client of [(await t.connectedApp()).client, await t.connect(user.token), await t.admin()]) {
      const { statuses } = await client.call("presence/subscribe", { agentIds: [alice.id] });
      expect(statuses).toEqual([{ agentId: alice.id, status: "online" }]);
    }
  });
});
