import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestHub } from "../helpers/hub.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import { eventLog, openTask, rawAuthed, say, until, type OpenTask } from "../helpers/scenario.ts";
import { connect, type SwitchboardClient } from "../../client/index.ts";
import type { Message } from "../../protocol/index.ts";

/**
 * Durability (sections 4 and 6): what the hub acknowledged survives a
 * restart on the same database file, graceful or not, and the sequences
 * (message seq, event cursors) continue without a gap.
 */

const listAll = async (client: SwitchboardClient, where: OpenTask) =>
  (
    await client.call("messages/list", {
      taskId: where.task.id,
      conversationId: where.conversation.id,
      afterSeq: 0,
      limit: 200,
    })
  ).items;

describe("durability across restarts", () => {
  it("a graceful restart on the same file loses nothing: state, tokens, messages, seq and the event log", async () => {
    const t = await TestHub.start();
    try {
      const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
      const app = await t.connectedApp();
      app.client.handle("task/create", () => ({ verdict: "accept" }));
      const where = await openTask(alice, [bob], { appId: app.id });
      const sent = (
        await Promise.all(
          Array.from({ length: 50 }, (_, i) => say(i % 2 ? alice : bob, where, `before the restart ${i}`)),
        )
      ).sort((a, b) => a.seq - b.seq);
      await bob.client.call("agent/conversation/read", { conversationId: where.conversation.id, seq: 10 });
      const bobLog = await eventLog(bob.client);
      const bobTasks = await bob.client.call("task/list", {});
      const bobConversations = await bob.client.call("agent/conversation/list", {});
      const bobCursor = bobLog.at(-1)!.cursor;

      await t.restart();

      const alice2 = await t.connect(alice.token);
      const bob2 = await t.connect(bob.token);
      const app2 = await t.connect(app.token);
      expect(await listAll(bob2, where)).toEqual(sent);
      expect(await eventLog(bob2)).toEqual(bobLog);
      expect(await bob2.call("task/list", {})).toEqual(bobTasks);
      expect(await bob2.call("agent/conversation/list", {})).toEqual(bobConversations);
      expect((await rawAuthed(t, bob.token)).hello.cursor).toBe(bobCursor);
      expect((await app2.call("task/get", { taskId: where.task.id })).task.status).toBe("active");

      // seq continues without a gap; cursors keep increasing.
      const next = await alice2.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: [{ type: "text", text: "after the restart" }],
      });
      expect(next.message.seq).toBe(51);
      const newer = await eventLog(bob2, bobCursor);
      expect(newer.map((e) => (e.params.message as Message).id)).toEqual([next.message.id]);
      expect(BigInt(newer[0]!.cursor)).toBeGreaterThan(BigInt(bobCursor));
    } finally {
      await t.stop();
    }
  });

  it("a client resumes across a restart on the same port and gets what it missed", async () => {
    const t = await TestHub.start();
    try {
      const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
      const where = await openTask(alice, [bob]);
      const client = await connect({
        url: t.wsUrl,
        token: bob.token,
        reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      });
      const got: string[] = [];
      client.on("message/received", (p) => got.push(p.message.id));
      const connected = new Promise<boolean>((resolve) =>
        client.onConnection((e) => {
          if (e.type === "connected") resolve(e.resumed);
        }),
      );
      try {
        const first = await say(alice, where, "first");
        await until(() => got.includes(first.id), "the first message");
        // Messages the client cannot see: its hub is going down right after them.
        const missed = await Promise.all([say(alice, where, "missed 1"), say(alice, where, "missed 2")]);
        await t.restart({ port: t.hub.port });
        expect(await connected).toBe(true);
        const alice2 = await t.connect(alice.token);
        const last = await alice2.call("messages/send", {
          taskId: where.task.id,
          conversationId: where.conversation.id,
          parts: [{ type: "text", text: "after" }],
        });
        await until(() => got.includes(last.message.id), "the message sent after the restart");
        expect(got).toEqual([first, ...missed.sort((a, b) => a.seq - b.seq), last.message].map((m) => m.id));
      } finally {
        await client.close();
      }
    } finally {
      await t.stop();
    }
  });

  describe("a crash (SIGKILL) of a hub run with npm start's command", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-crash-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("loses nothing that was acknowledged", async () => {
      const db = join(dir, "hub.db");
      const adminToken = newAdminToken();
      const child = await ChildHub.start({ db, port: await freePort(), adminToken, logLevel: "silent" });
      try {
        const wsUrl = child.wsUrl;
        const admin = await connect({ url: wsUrl, token: adminToken, reconnect: false });
        const made = await Promise.all(
          ["crash-alice", "crash-bob"].map((name) => admin.call("admin/agent/create", { name })),
        );
        const [alice, bob] = await Promise.all(
          made.map((m) => connect({ url: wsUrl, token: m.token, reconnect: false })),
        );
        const { task, conversation } = await alice!.call("task/request", {
          invitedAgentIds: [made[1]!.agent.id],
          initialConversation: {},
        });
        const where = { task, conversation: conversation! };
        const sent = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            (i % 2 ? alice! : bob!).call("messages/send", {
              taskId: task.id,
              conversationId: where.conversation.id,
              parts: [{ type: "text", text: `acknowledged ${i}` }],
            }),
          ),
        );
        const bobLog = await eventLog(bob!);
        expect((await child.kill("SIGKILL")).signal).toBe("SIGKILL");

        const t = await TestHub.start({ db });
        try {
          const bob2 = await t.connect(made[1]!.token);
          const listed = await listAll(bob2, where);
          expect(listed.map((m) => m.id)).toEqual(
            sent
              .map((r) => r.message)
              .sort((a, b) => a.seq - b.seq)
              .map((m) => m.id),
          );
          expect(listed.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
          expect(await eventLog(bob2)).toEqual(bobLog);
          const next = await bob2.call("messages/send", {
            taskId: task.id,
            conversationId: where.conversation.id,
            parts: [{ type: "text", text: "after the crash" }],
          });
          expect(next.message.seq).toBe(101);
        } finally {
          await t.stop();
        }
      } finally {
        await child.kill("SIGKILL");
      }
    }, 60_000);
  });
});
