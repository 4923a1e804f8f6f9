import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedEntry } from "../../protocol/index.ts";
import { TestHub } from "../helpers/hub.ts";
import type { Frame, RawSocket } from "../helpers/raw.ts";
import { openTask, rawAuthed, say } from "../helpers/scenario.ts";

const entries = (raw: RawSocket): FeedEntry[] =>
  raw.notifications("admin/feed/event").map((f) => f.params as unknown as FeedEntry);

const isEntry = (f: Frame | Frame[]): f is Frame => !Array.isArray(f) && f.method === "admin/feed/event";

const nextEntry = async (raw: RawSocket, match: (e: FeedEntry) => boolean): Promise<FeedEntry> => {
  const frame = await raw.next((f) => isEntry(f) && match(f.params as unknown as FeedEntry));
  return (frame as Frame).params as unknown as FeedEntry;
};

/** Issue 14: the inspector's live feed, an admin subscription fed from committed events. */
describe("inspector feed", () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  const subscribed = async (filter: Record<string, string> = {}) => {
    const { raw } = await rawAuthed(t, t.adminToken);
    const answer = await raw.request("admin/feed/subscribe", { filter });
    expect(answer.error).toBeUndefined();
    return raw;
  };

  it("shows agents connecting and leaving, tasks, conversations and messages with their text, in order", async () => {
    const feed = await subscribed();
    const [alice, bob] = await Promise.all([t.agent(), t.agent()]);
    const a = { ...alice, client: await t.connect(alice.token) };
    await nextEntry(feed, (e) => e.kind === "agent.connected" && e.agentId === alice.id);
    const b = { ...bob, client: await t.connect(bob.token) };
    const room = await openTask(a, [b], { name: "planning" });
    const sent = await say(a, room, "Shall we meet on Tuesday?");
    const message = await nextEntry(feed, (e) => e.kind === "message.sent");
    expect(message).toMatchObject({
      agentId: alice.id,
      taskId: room.task.id,
      conversationId: room.conversation.id,
      messageId: sent.id,
    });
    expect(message.summary).toContain("Shall we meet on Tuesday?");
    await b.client.close();
    await nextEntry(feed, (e) => e.kind === "agent.disconnected" && e.agentId === bob.id);

    const kinds = entries(feed)
      .filter((e) => e.kind !== "agent.connected" && e.kind !== "agent.disconnected")
      .map((e) => e.kind);
    expect(kinds).toEqual(["task.created", "conversation.created", "message.sent"]);
    const seqs = entries(feed).map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it("shows a task requested from an app, the callback's outcome and the rejection's reason", async () => {
    const feed = await subscribed();
    const app = await t.connectedApp();
    app.client.handle("task/create", () => ({ verdict: "reject", reason: "no title" }));
    const alice = await t.connectedAgent();
    await alice.client.call("task/request", { appId: app.id, invitedAgentIds: [] }).catch(() => undefined);
    const requested = await nextEntry(feed, (e) => e.kind === "task.requested");
    expect(requested).toMatchObject({ appId: app.id, agentId: alice.id });
    const callback = await nextEntry(feed, (e) => e.kind === "callback");
    expect(callback).toMatchObject({ appId: app.id, method: "task/create", outcome: "ok", reason: "no title" });
    const rejected = await nextEntry(feed, (e) => e.kind === "task.rejected");
    expect(rejected).toMatchObject({ taskId: requested.taskId, agentId: alice.id, reason: "no title" });
  });

  it("keeps only the entries naming every id of the filter", async () => {
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const one = await openTask(alice, [bob]);
    const two = await openTask(alice, [bob]);
    const feed = await subscribed({ conversationId: two.conversation.id });
    await say(alice, one, "not this one");
    await say(bob, two, "this one");
    const entry = await nextEntry(feed, () => true);
    expect(entry.summary).toContain("this one");
    expect(entry.conversationId).toBe(two.conversation.id);
    const byAgent = await subscribed({ agentId: alice.id, conversationId: one.conversation.id });
    await say(bob, one, "from bob");
    await say(alice, one, "from alice");
    expect((await nextEntry(byAgent, () => true)).summary).toContain("from alice");
    expect(entries(byAgent)).toHaveLength(1);
  });

  it("stops after admin/feed/unsubscribe", async () => {
    const feed = await subscribed();
    expect((await feed.request("admin/feed/unsubscribe", {})).result).toEqual({});
    const probe = await subscribed();
    const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    const room = await openTask(alice, [bob]);
    await say(alice, room, "after unsubscribe");
    await nextEntry(probe, (e) => e.kind === "message.sent");
    expect(entries(feed)).toEqual([]);
  });

  it("is for sockets only: over POST /rpc admin/feed/subscribe is MethodNotFound", async () => {
    const res = await fetch(`${t.url}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.adminToken}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "admin/feed/subscribe", params: {} }),
    });
    expect(((await res.json()) as Frame).error?.data.tag).toBe("MethodNotFound");
  });
});

describe("a slow inspector", () => {
  it("is closed like any slow consumer (4008) while the hub goes on answering", async () => {
    const t = await TestHub.start({ maxBufferedBytes: 64 * 1024 });
    try {
      const { raw, hello } = await rawAuthed(t, t.adminToken);
      await raw.request("admin/feed/subscribe", {});
      const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
      // Several conversations, so writes to one conversation's sequence do not queue behind each other (PostgreSQL).
      const rooms = await Promise.all(Array.from({ length: 8 }, () => openTask(alice, [bob])));
      const admin = await t.admin();
      const open = async () =>
        (await admin.call("admin/sockets/list", { principalType: "admin", limit: 200 })).items.some(
          (s) => s.connectionId === hello.connectionId,
        );
      // The inspector stops reading; the agents keep talking, and the admin's other socket keeps being answered.
      (raw.ws as unknown as { _socket: Socket })._socket.pause();
      const long = "x".repeat(250);
      let sent = 0;
      while ((await open()) && sent < 100_000) {
        await Promise.all(
          Array.from({ length: 500 }, (_, i) => say(alice, rooms[i % rooms.length]!, `${long} ${sent + i}`)),
        );
        sent += 500;
      }
      expect(await open()).toBe(false);
      (raw.ws as unknown as { _socket: Socket })._socket.resume();
      expect((await raw.closed).code).toBe(4008);
    } finally {
      await t.stop();
    }
  }, 120_000);
});
