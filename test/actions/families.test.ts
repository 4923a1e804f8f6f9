import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SwitchboardClient } from "../../client/index.ts";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { connectedApp, connectedUser, countRows, dataOf, grant, logOf, methodsIn, type Party } from "./helpers.ts";

/** The events in a principal's log, as [event name, resource id]. */
const eventsIn = async (p: Party) =>
  (await logOf(p.client))
    .filter((e) => e.method.includes("."))
    .map((e) => [e.method, (e.params.resource as { id: string }).id]);

describe("the built-in families: rules, results and event recipients (7.4)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  describe("intents", () => {
    it("create, update and cancel by the owner, with unchanged when nothing changes", async () => {
      const owner = await connectedUser(t);
      const other = await connectedUser(t);
      const created = await owner.actions.invoke("intent.create", { text: "hike on sunday" });
      expect(created).toMatchObject({ action: "intent.create", status: "active", unchanged: false });
      const again = await owner.actions.invoke("intent.create", { text: "hike on sunday" });
      expect(again).toMatchObject({ intentId: created.intentId, unchanged: true });
      expect(await countRows(t, "user_intents", "owner_user_id = ?", owner.id)).toBe(1);

      const same = await owner.actions.invoke("intent.update", { intentId: created.intentId, text: "hike on sunday" });
      expect(same.unchanged).toBe(true);
      const updated = await owner.actions.invoke("intent.update", { intentId: created.intentId, framing: "casual" });
      expect(updated).toMatchObject({ action: "intent.update", status: "active", unchanged: false });

      const e = await rejects(other.actions.invoke("intent.cancel", { intentId: created.intentId }), "Forbidden");
      expect(dataOf(e).reason).toBe("ownership_mismatch");
      const cancelled = await owner.actions.invoke("intent.cancel", { intentId: created.intentId });
      expect(cancelled).toMatchObject({ status: "cancelled", cancelledRequestCount: 0 });

      const twice = await rejects(owner.actions.invoke("intent.cancel", { intentId: created.intentId }), "Conflict");
      expect(dataOf(twice).reason).toBe("intent_cancelled");
      const late = await rejects(
        owner.actions.invoke("intent.update", { intentId: created.intentId, text: "never mind" }),
        "Conflict",
      );
      expect(dataOf(late).reason).toBe("intent_cancelled");

      // Only changes are events; the owner is the only user concerned.
      expect(await eventsIn(owner)).toEqual([
        ["intent.created", created.intentId],
        ["intent.updated", created.intentId],
        ["intent.cancelled", created.intentId],
      ]);
      expect(await eventsIn(other)).toEqual([]);
    });

    it("cancelling an intent cancels its pending requests, which can no longer be answered", async () => {
      const owner = await connectedUser(t);
      const r1 = await connectedUser(t);
      const r2 = await connectedUser(t);
      const { intentId } = await owner.actions.invoke("intent.create", { text: "dinner" });
      const a = await owner.actions.invoke("request.send", { intentId, recipientUserId: r1.id, note: "you in?" });
      const b = await owner.actions.invoke("request.send", { intentId, recipientUserId: r2.id });
      await r1.actions.invoke("request.accept", { requestId: a.requestId });
      const heard = r2.client.once("intent.cancelled");
      const cancelled = await owner.actions.invoke("intent.cancel", { intentId });
      expect(cancelled.cancelledRequestCount).toBe(1);
      const note = await heard;
      expect(note.payload.cancelledRequestIds).toEqual([b.requestId]);
      expect(note.payload.intent.status).toBe("cancelled");
      const e = await rejects(r2.actions.invoke("request.accept", { requestId: b.requestId }), "Conflict");
      expect(dataOf(e).reason).toBe("not_pending");
      const send = await rejects(
        owner.actions.invoke("request.send", { intentId, recipientUserId: r1.id }),
        "Conflict",
      );
      expect(dataOf(send).reason).toBe("intent_cancelled");
      // r1's request was answered before, so r1 is not concerned by the cancellation.
      expect(await methodsIn(r1.client)).not.toContain("intent.cancelled");
    });
  });

  describe("requests", () => {
    it("only the intent's owner sends; only the recipient answers, once; sender and recipient hear of it", async () => {
      const owner = await connectedUser(t);
      const recipient = await connectedUser(t);
      const bystander = await connectedUser(t);
      const { intentId } = await owner.actions.invoke("intent.create", { text: "coffee" });
      const e1 = await rejects(
        bystander.actions.invoke("request.send", { intentId, recipientUserId: recipient.id }),
        "Forbidden",
      );
      expect(dataOf(e1).reason).toBe("ownership_mismatch");
      await rejects(owner.actions.invoke("request.send", { intentId, recipientUserId: owner.id }), "InvalidParams");

      const sent = await owner.actions.invoke("request.send", { intentId, recipientUserId: recipient.id });
      expect(sent).toMatchObject({ action: "request.send", actorUserId: owner.id, status: "pending" });
      expect(sent.requestId).toMatch(/^req_/);

      for (const who of [owner, bystander]) {
        const e = await rejects(who.actions.invoke("request.accept", { requestId: sent.requestId }), "Forbidden");
        expect(dataOf(e).reason).toBe("ownership_mismatch");
      }
      const accepted = await recipient.actions.invoke("request.accept", { requestId: sent.requestId });
      expect(accepted).toMatchObject({ action: "request.accept", actorUserId: recipient.id, status: "accepted" });
      const e2 = await rejects(recipient.actions.invoke("request.reject", { requestId: sent.requestId }), "Conflict");
      expect(dataOf(e2).reason).toBe("not_pending");

      const expected = [
        ["request.sent", sent.requestId],
        ["request.accepted", sent.requestId],
      ];
      expect((await eventsIn(owner)).filter(([m]) => m!.startsWith("request."))).toEqual(expected);
      expect(await eventsIn(recipient)).toEqual(expected);
      expect(await eventsIn(bystander)).toEqual([]);
    });

    it("a rejected request tells both sides", async () => {
      const owner = await connectedUser(t);
      const recipient = await connectedUser(t);
      const { intentId } = await owner.actions.invoke("intent.create", { text: "tennis" });
      const { requestId } = await owner.actions.invoke("request.send", { intentId, recipientUserId: recipient.id });
      const heard = owner.client.once("request.rejected");
      const rejected = await recipient.actions.invoke("request.reject", { requestId });
      expect(rejected.status).toBe("rejected");
      const note = await heard;
      expect(note).toMatchObject({
        actorUserId: recipient.id,
        resource: { type: "request", id: requestId },
        payload: { request: { status: "rejected", senderUserId: owner.id, recipientUserId: recipient.id } },
      });
    });
  });

  describe("connections and chats", () => {
    it("connections add the actor; direct ones name exactly one other user; members hear of it", async () => {
      const a = await connectedUser(t);
      const b = await connectedUser(t);
      const c = await connectedUser(t);
      const outsider = await connectedUser(t);
      await rejects(a.actions.invoke("connection.create", { type: "direct", userIds: [b.id, c.id] }), "InvalidParams");
      await rejects(a.actions.invoke("connection.create", { type: "group", userIds: [a.id] }), "InvalidParams");
      const group = await a.actions.invoke("connection.create", { type: "group", userIds: [b.id, c.id, b.id] });
      expect(group).toMatchObject({ action: "connection.create", actorUserId: a.id });
      expect(group.connectionId).toMatch(/^con_/);
      const note = (await logOf(c.client)).find((e) => e.method === "connection.created")!;
      expect((note.params.payload as { connection: { userIds: string[] } }).connection.userIds).toEqual([
        a.id,
        b.id,
        c.id,
      ]);
      for (const p of [a, b, c]) expect(await eventsIn(p)).toEqual([["connection.created", group.connectionId]]);
      expect(await eventsIn(outsider)).toEqual([]);
    });

    it("chats need membership of their connection; messages go to every member and dedupe by clientMessageId", async () => {
      const a = await connectedUser(t);
      const b = await connectedUser(t);
      const outsider = await connectedUser(t);
      const { connectionId } = await a.actions.invoke("connection.create", { type: "direct", userIds: [b.id] });
      const e1 = await rejects(outsider.actions.invoke("chat.create", { connectionId }), "Forbidden");
      expect(dataOf(e1).reason).toBe("membership_mismatch");
      const { chatId } = await b.actions.invoke("chat.create", { connectionId, title: "plans" });
      expect(chatId).toMatch(/^cht_/);

      const e2 = await rejects(outsider.actions.invoke("chat.send_message", { chatId, text: "hi" }), "Forbidden");
      expect(dataOf(e2).reason).toBe("membership_mismatch");
      const heard = a.client.once("chat.message.sent");
      const first = await b.actions.invoke("chat.send_message", { chatId, text: "hello", clientMessageId: "m-1" });
      expect(first).toMatchObject({ action: "chat.send_message", actorUserId: b.id, unchanged: false });
      expect((await heard).payload.message).toMatchObject({ id: first.messageId, chatId, text: "hello" });
      const repeat = await b.actions.invoke("chat.send_message", { chatId, text: "hello", clientMessageId: "m-1" });
      expect(repeat).toMatchObject({ messageId: first.messageId, unchanged: true });
      // The same clientMessageId from the other member is another message.
      const other = await a.actions.invoke("chat.send_message", { chatId, text: "hey", clientMessageId: "m-1" });
      expect(other.messageId).not.toBe(first.messageId);
      expect(await countRows(t, "chat_messages", "chat_pk = (SELECT pk FROM chats WHERE id = ?)", chatId)).toBe(2);

      const expected = [
        ["connection.created", connectionId],
        ["chat.created", chatId],
        ["chat.message.sent", first.messageId],
        ["chat.message.sent", other.messageId],
      ];
      expect(await eventsIn(a)).toEqual(expected);
      expect(await eventsIn(b)).toEqual(expected);
      expect(await eventsIn(outsider)).toEqual([]);
    });
  });

  describe("circles", () => {
    it("the creator owns and is the first member; anyone joins and leaves themselves", async () => {
      const owner = await connectedUser(t);
      const joiner = await connectedUser(t);
      const outsider = await connectedUser(t);
      const { circleId } = await owner.actions.invoke("circle.create", {
        name: "book club",
        kind: "recurring",
        schedule: "every first monday",
      });
      expect(circleId).toMatch(/^crc_/);
      const joined = await joiner.actions.invoke("circle.join", { circleId });
      expect(joined).toMatchObject({ action: "circle.join", actorUserId: joiner.id, circleId, memberCount: 2 });
      const twice = await rejects(joiner.actions.invoke("circle.join", { circleId }), "Conflict");
      expect(dataOf(twice).reason).toBe("already_member");
      const notIn = await rejects(outsider.actions.invoke("circle.leave", { circleId }), "Forbidden");
      expect(dataOf(notIn).reason).toBe("membership_mismatch");
      const left = await joiner.actions.invoke("circle.leave", { circleId });
      expect(left.memberCount).toBe(1);

      expect(await eventsIn(owner)).toEqual([
        ["circle.created", circleId],
        ["circle.joined", circleId],
        ["circle.left", circleId],
      ]);
      expect(await eventsIn(joiner)).toEqual([
        ["circle.joined", circleId],
        ["circle.left", circleId],
      ]);
      expect(await eventsIn(outsider)).toEqual([]);
    });

    it("only the owner adds or removes someone else", async () => {
      const owner = await connectedUser(t);
      const member = await connectedUser(t);
      const newcomer = await connectedUser(t);
      const { circleId } = await owner.actions.invoke("circle.create", { name: "team", kind: "group" });
      await member.actions.invoke("circle.join", { circleId });
      const e1 = await rejects(member.actions.invoke("circle.join", { circleId, userId: newcomer.id }), "Forbidden");
      expect(dataOf(e1).reason).toBe("ownership_mismatch");
      const e2 = await rejects(member.actions.invoke("circle.leave", { circleId, userId: owner.id }), "Forbidden");
      expect(dataOf(e2).reason).toBe("ownership_mismatch");
      await rejects(owner.actions.invoke("circle.join", { circleId, userId: "usr_nope" }), "UserNotFound");

      const heard = newcomer.client.once("circle.joined");
      const added = await owner.actions.invoke("circle.join", { circleId, userId: newcomer.id });
      expect(added.memberCount).toBe(3);
      expect((await heard).payload).toMatchObject({ userId: newcomer.id, circle: { memberCount: 3 } });
      const removed = await owner.actions.invoke("circle.leave", { circleId, userId: newcomer.id });
      expect(removed.memberCount).toBe(2);
      const e3 = await rejects(owner.actions.invoke("circle.leave", { circleId, userId: newcomer.id }), "Conflict");
      expect(dataOf(e3).reason).toBe("not_member");
      // The removed user hears of the removal; the remaining member of both.
      expect((await eventsIn(newcomer)).map(([m]) => m)).toEqual(["circle.joined", "circle.left"]);
      expect((await eventsIn(member)).map(([m]) => m)).toEqual(["circle.joined", "circle.joined", "circle.left"]);
      await rejects(owner.actions.invoke("circle.join", { circleId: "crc_nope" }), "NotFound");
    });
  });

  describe("apps subscribed to events", () => {
    it("receive the events of users who granted them, of the subscribed kinds only", async () => {
      const granted = await connectedUser(t);
      const stranger = await connectedUser(t);
      const app = await connectedApp(t, { scopes: ["actions.invoke", "events.subscribe"] });
      await grant(app, granted, ["intent.write"]);
      expect(await app.actions.subscribe(["intent.*", "circle.created", "intent.*"])).toEqual([
        "intent.*",
        "circle.created",
      ]);

      const heard = app.client.once("intent.created");
      const mine = await granted.actions.invoke("intent.create", { text: "run" });
      const note = await heard;
      expect(note).toMatchObject({ actorUserId: granted.id, resource: { id: mine.intentId } });
      expect(note.actorAppId).toBeUndefined();
      await stranger.actions.invoke("intent.create", { text: "swim" });
      const { connectionId } = await granted.actions.invoke("connection.create", {
        type: "direct",
        userIds: [stranger.id],
      });
      const { circleId } = await granted.actions.invoke("circle.create", { name: "c", kind: "group" });

      expect(await eventsIn(app)).toEqual([
        ["intent.created", mine.intentId],
        ["circle.created", circleId],
      ]);
      expect(connectionId).toMatch(/^con_/);
    });

    it("receive events where any concerned user, not only the actor, granted them", async () => {
      const granted = await connectedUser(t);
      const actor = await connectedUser(t);
      const app = await connectedApp(t, { scopes: ["actions.invoke", "events.subscribe"] });
      await grant(app, granted, ["intent.write"]);
      await app.actions.subscribe(["request.*"]);
      const { intentId } = await actor.actions.invoke("intent.create", { text: "ask granted" });
      const { requestId } = await actor.actions.invoke("request.send", { intentId, recipientUserId: granted.id });
      expect(await eventsIn(app)).toEqual([["request.sent", requestId]]);
    });

    it("stop receiving them once the grant is revoked, or after unsubscribing", async () => {
      const user = await connectedUser(t);
      const app = await connectedApp(t, { scopes: ["actions.invoke", "events.subscribe"] });
      const g = await grant(app, user, ["circle.write"]);
      await app.actions.subscribe(["*"]);
      const { circleId } = await user.actions.invoke("circle.create", { name: "one", kind: "group" });
      await user.actions.revokeGrant(g.id);
      await user.actions.invoke("circle.create", { name: "two", kind: "group" });
      const g2 = await grant(app, user, ["circle.write"]);
      await app.actions.subscribe([]);
      await user.actions.invoke("circle.create", { name: "three", kind: "group" });
      expect((await eventsIn(app)).filter(([m]) => m === "circle.created")).toEqual([["circle.created", circleId]]);
      expect(g2.status).toBe("active");
    });

    it("name the acting app in the envelope of events it caused", async () => {
      const user = await connectedUser(t);
      const app = await connectedApp(t, { scopes: ["actions.invoke", "events.subscribe"] });
      await grant(app, user);
      await app.actions.subscribe(["circle.*"]);
      const heard = user.client.once("circle.created");
      const { circleId } = await app.actions.invoke(
        "circle.create",
        { name: "x", kind: "group" },
        { actorUserId: user.id },
      );
      expect(await heard).toMatchObject({ actorAppId: app.id, actorUserId: user.id, resource: { id: circleId } });
      expect(await eventsIn(app)).toEqual([["circle.created", circleId]]);
    });

    it("need the scope events.subscribe and known patterns", async () => {
      const app = await connectedApp(t);
      const e = await rejects(app.actions.subscribe(["intent.*"]), "ScopeMissing");
      expect(dataOf(e).scope).toBe("events.subscribe");
      const subscriber = await connectedApp(t, { scopes: ["events.subscribe"] });
      const bad = await rejects(subscriber.actions.subscribe(["intent.*", "weather.*"]), "InvalidParams");
      expect(dataOf(bad).issues).toContainEqual(expect.objectContaining({ path: ["events", 1] }));
      const user = await connectedUser(t);
      await rejects(user.client.call("events/subscribe", { events: ["*"] }), "MethodNotFound");
    });
  });

  it("family events go through the event log: a client that reconnects with resumeAfter gets what it missed", async () => {
    const a = await connectedUser(t);
    const bMade = await t.user();
    const b1 = await t.connect(bMade.token);
    const cursor = b1.cursor;
    await b1.close();
    const { connectionId } = await a.actions.invoke("connection.create", { type: "direct", userIds: [bMade.id] });
    const { chatId } = await a.actions.invoke("chat.create", { connectionId });
    // The replay is pushed right after auth/connect answers: listen before connecting.
    const b2 = new SwitchboardClient({ url: t.wsUrl, token: bMade.token, reconnect: false, resumeAfter: cursor });
    const got: string[] = [];
    b2.onAny((method) => got.push(method));
    const last = b2.once("chat.created", (p) => p.resource.id === chatId);
    await b2.open();
    try {
      await last;
      expect(got).toEqual(["connection.created", "chat.created"]);
    } finally {
      await b2.close();
    }
  });
});
