import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import {
  acceptingApp,
  dataOf,
  eventLog,
  openTask,
  say,
  text,
  type Connected,
  type OpenTask,
} from "../helpers/scenario.ts";
import type { SwitchboardClient } from "../../client/index.ts";
import type { Message, RpcError } from "../../protocol/index.ts";

/** Sections 4 and 5.4: sending (seq, idempotency, parts) and listing (paging), and read marks. */

const seqs = (items: ReadonlyArray<Message>) => items.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("section 5.4: messages", () => {
  let t: TestHub;
  let alice: Connected;
  let bob: Connected;
  beforeAll(async () => {
    t = await TestHub.start();
    [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
  });
  afterAll(() => t.stop());

  /** Every message of a conversation, paging forward from the start. */
  const listAll = async (client: SwitchboardClient, where: OpenTask, limit = 200) => {
    const all: Message[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.call("messages/list", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        afterSeq: 0,
        limit,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return all;
  };

  describe("seq", () => {
    it("200 concurrent sends from several agents on several sockets get seq 1..200, no gap, no repeat", async () => {
      const agents = await Promise.all(Array.from({ length: 4 }, () => t.connectedAgent()));
      const where = await openTask(agents[0]!, agents.slice(1));
      const sockets = (
        await Promise.all(agents.map(async (a) => [a.client, await t.connect(a.token), await t.connect(a.token)]))
      ).flat();
      expect(sockets).toHaveLength(12);
      const sends = Array.from({ length: 200 }, (_, i) =>
        sockets[i % sockets.length]!.call("messages/send", {
          taskId: where.task.id,
          conversationId: where.conversation.id,
          parts: text(`message ${i}`),
        }),
      );
      const sent = (await Promise.all(sends)).map((r) => r.message);
      expect([...seqs(sent)].sort((a, b) => a - b)).toEqual(range(1, 200));
      expect(new Set(sent.map((m) => m.id)).size).toBe(200);

      const listed = await listAll(agents[1]!.client, where, 64);
      expect(seqs(listed)).toEqual(range(1, 200));
      const bySeq = new Map(sent.map((m) => [m.seq, m]));
      for (const m of listed) expect(m).toEqual(bySeq.get(m.seq));
      // Each agent was told of every message it did not send, once.
      for (const agent of agents) {
        const received = (await eventLog(agent.client)).filter((e) => e.method === "message/received");
        const ids = received.map((e) => (e.params.message as Message).id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(sent.filter((m) => m.senderId !== agent.id).length);
        // In cursor order, which is seq order within a conversation (on PostgreSQL too, where sends made
        // at once share a commit group: storage/transactions.ts).
        const received_ = received.map((e) => (e.params.message as Message).seq);
        expect(received_).toEqual([...received_].sort((a, b) => a - b));
      }
    });

    it("refused sends in a burst leave nothing behind, and the others keep gapless seqs in log order", async () => {
      const agents = await Promise.all(Array.from({ length: 3 }, () => t.connectedAgent()));
      const outsider = await t.connectedAgent();
      const [first, second] = [await openTask(agents[0]!, agents.slice(1)), await openTask(agents[1]!, [agents[2]!])];
      const calls = Array.from({ length: 90 }, (_, i) => {
        const where = i % 2 ? first : second;
        // agents[2] sends nothing: it reads both conversations' messages from its log.
        const from = i % 15 === 7 ? outsider : i % 2 ? agents[(i >> 1) % 2]! : agents[1]!;
        return from.client
          .call("messages/send", { taskId: where.task.id, conversationId: where.conversation.id, parts: text(`m${i}`) })
          .then(
            (r) => ({ where, message: r.message }),
            (err: unknown) => ({ where, error: err }),
          );
      });
      const results = await Promise.all(calls);
      const refused = results.filter((r) => "error" in r);
      expect(refused).toHaveLength(6);
      for (const r of refused) expect((r.error as RpcError).tag).toBe("NotAParticipant");
      for (const where of [first, second]) {
        const sent = results.filter(
          (r): r is { where: OpenTask; message: Message } => "message" in r && r.where === where,
        );
        expect(seqs(await listAll(agents[2]!.client, where))).toEqual(range(1, sent.length));
      }
      const log = (await eventLog(agents[2]!.client)).filter((e) => e.method === "message/received");
      for (const where of [first, second]) {
        const inOrder = log
          .map((e) => e.params.message as Message)
          .filter((m) => m.conversationId === where.conversation.id)
          .map((m) => m.seq);
        expect(inOrder).toEqual(range(1, inOrder.length));
        expect(inOrder.length).toBe(42);
      }
    });

    it("a message answers with its stored shape", async () => {
      const where = await openTask(alice, [bob]);
      const { message } = await alice.client.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: [
          { type: "text", text: "look" },
          { type: "data", data: { nested: [1, "two", null] }, mimeType: "application/json" },
          { type: "file", url: "https://example.com/a.pdf", name: "a.pdf", mimeType: "application/pdf", size: 12 },
          { type: "image", url: "http://example.com/cat.png", altText: "a cat" },
        ],
      });
      expect(message).toEqual({
        id: expect.stringMatching(/^msg_/),
        taskId: where.task.id,
        conversationId: where.conversation.id,
        seq: 1,
        senderId: alice.id,
        parts: expect.any(Array),
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect((await listAll(bob.client, where))[0]).toEqual(message);
    });
  });

  describe("clientMessageId", () => {
    it("a repeat answers the first message and notifies nobody again", async () => {
      const where = await openTask(alice, [bob]);
      const send = (s: string) =>
        alice.client.call("messages/send", {
          taskId: where.task.id,
          conversationId: where.conversation.id,
          parts: text(s),
          clientMessageId: "client-1",
        });
      const first = (await send("original")).message;
      const again = (await send("a different text")).message;
      expect(again).toEqual(first);
      // Concurrent repeats too.
      const racing = await Promise.all([send("x"), send("y"), send("z")]);
      for (const r of racing) expect(r.message).toEqual(first);
      expect(seqs(await listAll(bob.client, where))).toEqual([1]);
      const received = (await eventLog(bob.client)).filter(
        (e) =>
          e.method === "message/received" && (e.params.message as Message).conversationId === where.conversation.id,
      );
      expect(received).toHaveLength(1);
      // The next message without a clientMessageId gets the next seq.
      expect((await say(alice, where, "next")).seq).toBe(2);
    });

    it("is per sender: another agent's same clientMessageId is a new message", async () => {
      const where = await openTask(alice, [bob]);
      const send = (who: Connected) =>
        who.client.call("messages/send", {
          taskId: where.task.id,
          conversationId: where.conversation.id,
          parts: text(`from ${who.id}`),
          clientMessageId: "shared-id",
        });
      const a = (await send(alice)).message;
      const b = (await send(bob)).message;
      expect(a.id).not.toBe(b.id);
      expect([a.seq, b.seq]).toEqual([1, 2]);
    });

    it("is at most 64 characters", async () => {
      const where = await openTask(alice, [bob]);
      const err = await rejects(
        alice.client.call("messages/send", {
          taskId: where.task.id,
          conversationId: where.conversation.id,
          parts: text("x"),
          clientMessageId: "c".repeat(65),
        }),
        "InvalidParams",
      );
      expect(dataOf(err).issues[0].path).toEqual(["clientMessageId"]);
      await alice.client.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: text("x"),
        clientMessageId: "c".repeat(64),
      });
    });
  });

  describe("parts (section 4)", () => {
    let where: OpenTask;
    beforeAll(async () => {
      where = await openTask(alice, [bob]);
    });
    const send = (parts: unknown) =>
      alice.client.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: parts as never,
      });
    const invalidAt = async (parts: unknown, path: ReadonlyArray<string | number>) => {
      const err = await rejects(send(parts), "InvalidParams");
      expect(dataOf(err).issues.map((i: { path: unknown }) => i.path)).toContainEqual(path);
      return err;
    };

    it("takes 1 to 10 parts", async () => {
      await invalidAt([], ["parts"]);
      await invalidAt(
        Array.from({ length: 11 }, () => text("x")[0]),
        ["parts"],
      );
      expect((await send(Array.from({ length: 10 }, (_, i) => text(`p${i}`)[0]))).message.parts).toHaveLength(10);
      expect((await send(text("one"))).message.parts).toHaveLength(1);
    });

    it("takes text of 1 to 32768 characters", async () => {
      await invalidAt([{ type: "text", text: "" }], ["parts", 0, "text"]);
      await invalidAt([text("ok")[0], { type: "text", text: "x".repeat(32769) }], ["parts", 1, "text"]);
      expect((await send(text("x".repeat(32768)))).message.seq).toBeGreaterThan(0);
    });

    it("takes at most 64 KiB of JSON in total", async () => {
      // Each part's JSON is {"type":"text","text":"..."}: 25 bytes plus the text.
      const part = (n: number) => ({ type: "text", text: "y".repeat(n) });
      const err = await invalidAt([part(32768), part(32768)], ["parts"]);
      expect(dataOf(err).issues[0].message).toMatch(/65536/);
      // Exactly 65536 bytes: [ + two parts + , + ] = 2 + 2 * 25 + 1 + texts.
      const texts = 65536 - (2 + 2 * 25 + 1);
      const fits = [part(Math.floor(texts / 2)), part(Math.ceil(texts / 2))];
      expect(Buffer.byteLength(JSON.stringify(fits))).toBe(65536);
      expect((await send(fits)).message.parts).toHaveLength(2);
      const over = [part(Math.floor(texts / 2)), part(Math.ceil(texts / 2) + 1)];
      await invalidAt(over, ["parts"]);
    });

    it("checks each part's shape: types, urls, unknown fields", async () => {
      await invalidAt([{ type: "video", url: "https://example.com" }], ["parts", 0, "type"]);
      await invalidAt([{ type: "file", url: "ftp://example.com/a", name: "a" }], ["parts", 0, "url"]);
      await invalidAt([{ type: "image", url: "not a url" }], ["parts", 0, "url"]);
      await invalidAt([{ type: "file", url: "https://example.com/a", name: "a", size: -1 }], ["parts", 0, "size"]);
      await invalidAt([{ type: "data", data: 1, extra: true }], ["parts", 0, "extra"]);
    });
  });

  describe("replyToId", () => {
    it("answers a message of the same conversation, and travels with it", async () => {
      const where = await openTask(alice, [bob]);
      const question = await say(alice, where, "lunch?");
      const { message: answer } = await bob.client.call("messages/send", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        parts: text("sure"),
        replyToId: question.id,
      });
      expect(answer.replyToId).toBe(question.id);
      expect((await listAll(alice.client, where))[1]!.replyToId).toBe(question.id);
      // Alice is told of the answer, with its replyToId.
      const aliceLog = await eventLog(alice.client);
      expect(
        aliceLog.some(
          (e) => e.method === "message/received" && (e.params.message as Message).replyToId === question.id,
        ),
      ).toBe(true);
    });
  });

  describe("messages/list paging", () => {
    let where: OpenTask;
    beforeAll(async () => {
      where = await openTask(alice, [bob]);
      for (let i = 1; i <= 10; i++) await say(i % 2 ? alice : bob, where, `m${i}`);
    });
    const list = (params: Record<string, unknown>) =>
      alice.client.call("messages/list", {
        taskId: where.task.id,
        conversationId: where.conversation.id,
        ...params,
      });
    /** Follow nextCursor from a first page, keeping the other params; the seqs of every page. */
    const pages = async (params: Record<string, unknown>) => {
      const out: number[][] = [];
      let page = await list(params);
      out.push(seqs(page.items));
      while (page.nextCursor !== undefined) {
        page = await list({ ...params, cursor: page.nextCursor });
        out.push(seqs(page.items));
      }
      return out;
    };

    it("without bounds: the newest page first, items ascending, going back to older pages", async () => {
      expect(await pages({ limit: 3 })).toEqual([[8, 9, 10], [5, 6, 7], [2, 3, 4], [1]]);
      expect(await pages({})).toEqual([range(1, 10)]);
    });

    it("with afterSeq: forward from after it; afterSeq 0 is from the first message (10.21)", async () => {
      expect(await pages({ afterSeq: 0, limit: 4 })).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
      ]);
      expect(await pages({ afterSeq: 7, limit: 4 })).toEqual([[8, 9, 10]]);
      expect(await pages({ afterSeq: 10 })).toEqual([[]]);
    });

    it("with beforeSeq: the newest before it, going back", async () => {
      expect(await pages({ beforeSeq: 6, limit: 2 })).toEqual([[4, 5], [2, 3], [1]]);
      expect(await pages({ beforeSeq: 1 })).toEqual([[]]);
    });

    it("with both: strictly between them, going forward (10.8)", async () => {
      expect(await pages({ afterSeq: 2, beforeSeq: 8, limit: 2 })).toEqual([[3, 4], [5, 6], [7]]);
      expect(await pages({ afterSeq: 2, beforeSeq: 7, limit: 2 }).then((p) => p.flat())).toEqual([3, 4, 5, 6]);
      expect(await pages({ afterSeq: 4, beforeSeq: 5 })).toEqual([[]]);
    });

    it("nextCursor is absent on the last page, and a cursor takes precedence over afterSeq/beforeSeq", async () => {
      const first = await list({ afterSeq: 0, limit: 5 });
      expect(first.nextCursor).toBeDefined();
      const second = await list({ afterSeq: 0, limit: 5, cursor: first.nextCursor });
      expect(seqs(second.items)).toEqual([6, 7, 8, 9, 10]);
      // Conflicting bounds are ignored once a cursor is given (10.8).
      const overridden = await list({ afterSeq: 8, beforeSeq: 9, limit: 5, cursor: first.nextCursor });
      expect(seqs(overridden.items)).toEqual([6, 7, 8, 9, 10]);
    });

    it("refuses bad bounds, limits and cursors with InvalidParams at their path", async () => {
      for (const [params, path] of [
        [{ afterSeq: -1 }, "afterSeq"],
        [{ beforeSeq: 1.5 }, "beforeSeq"],
        [{ limit: 0 }, "limit"],
        [{ limit: 201 }, "limit"],
        [{ cursor: "not-a-cursor" }, "cursor"],
      ] as const) {
        const err = await rejects(list(params), "InvalidParams");
        expect(dataOf(err).issues[0].path, JSON.stringify(params)).toEqual([path]);
      }
      expect(seqs((await list({ limit: 200 })).items)).toEqual(range(1, 10));
    });

    it("skips and repeats nothing when messages arrive between pages", async () => {
      const growing = await openTask(alice, [bob]);
      for (let i = 1; i <= 6; i++) await say(alice, growing, `g${i}`);
      const listing = (params: Record<string, unknown>) =>
        bob.client.call("messages/list", {
          taskId: growing.task.id,
          conversationId: growing.conversation.id,
          ...params,
        });

      // Forward: new messages show up on later pages, in order.
      const forward: number[] = [];
      let page = await listing({ afterSeq: 0, limit: 4 });
      forward.push(...seqs(page.items));
      for (let i = 7; i <= 9; i++) await say(bob, growing, `g${i}`);
      while (page.nextCursor !== undefined) {
        if (forward.length < 12) await say(alice, growing, `more ${forward.length}`);
        page = await listing({ afterSeq: 0, limit: 4, cursor: page.nextCursor });
        forward.push(...seqs(page.items));
      }
      const total = (await listAll(bob.client, growing)).length;
      expect(forward).toEqual(range(1, total));

      // Backward: messages newer than the first page do not push older ones off.
      const backward: number[] = [];
      page = await listing({ limit: 3 });
      backward.unshift(...seqs(page.items));
      const top = backward.at(-1)!;
      while (page.nextCursor !== undefined) {
        await say(alice, growing, "meanwhile");
        page = await listing({ limit: 3, cursor: page.nextCursor });
        backward.unshift(...seqs(page.items));
      }
      expect(backward).toEqual(range(1, top));
    });

    it("lists archived conversations, and only for participants", async () => {
      const app = await acceptingApp(t);
      const archived = await openTask(alice, [bob], { appId: app.id });
      await say(alice, archived, "before the archive");
      await app.client.call("task/conversation/archive", {
        taskId: archived.task.id,
        conversationId: archived.conversation.id,
      });
      expect(seqs(await listAll(bob.client, archived))).toEqual([1]);
      const carol = await t.connectedAgent();
      await rejects(listAll(carol.client, archived), "NotAParticipant");
    });
  });

  describe("read marks and unreadCount", () => {
    const unread = async (who: Connected, conversationId: string) => {
      const { items } = await who.client.call("agent/conversation/list", { limit: 200 });
      return items.find((i) => i.conversation.id === conversationId)!.unreadCount;
    };

    it("counts others' messages after the read mark; marks never move back and stop at the last message", async () => {
      const where = await openTask(alice, [bob]);
      const id = where.conversation.id;
      expect(await unread(bob, id)).toBe(0);
      for (let i = 1; i <= 5; i++) await say(alice, where, `a${i}`);
      await say(bob, where, "own messages are not unread");
      expect(await unread(bob, id)).toBe(5);
      expect(await unread(alice, id)).toBe(1);

      expect(await bob.client.call("agent/conversation/read", { conversationId: id, seq: 3 })).toEqual({});
      expect(await unread(bob, id)).toBe(2);
      await bob.client.call("agent/conversation/read", { conversationId: id, seq: 1 });
      expect(await unread(bob, id)).toBe(2);
      await bob.client.call("agent/conversation/read", { conversationId: id, seq: 999 });
      expect(await unread(bob, id)).toBe(0);
      // A mark past the end does not swallow the next message.
      await say(alice, where, "a7");
      expect(await unread(bob, id)).toBe(1);
      // Alice's marks are hers alone.
      expect(await unread(alice, id)).toBe(1);
    });

    it("refuses a negative seq (InvalidParams) and a conversation the caller is not in", async () => {
      const where = await openTask(alice, [bob]);
      await rejects(
        bob.client.call("agent/conversation/read", { conversationId: where.conversation.id, seq: -1 }),
        "InvalidParams",
      );
      const carol = await t.connectedAgent();
      await rejects(
        carol.client.call("agent/conversation/read", { conversationId: where.conversation.id, seq: 1 }),
        "NotAParticipant",
      );
    });
  });
});
