import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { bearer, connectedApp, connectedUser, countRows, grant, methodsIn, post } from "./helpers.ts";

const circles = (t: TestHub, owner: string) => countRows(t, "circles", "owner_user_id = ?", owner);

describe("idempotency keys (7.5, 10.15)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("a repeat with the same key, action and params returns the stored result without running again", async () => {
    const user = await connectedUser(t);
    const params = { name: "weekly", kind: "recurring" as const };
    const first = await user.actions.invoke("circle.create", params, { idempotencyKey: "k-1" });
    const second = await user.actions.invoke(
      "circle.create",
      { kind: "recurring", name: "weekly" },
      { idempotencyKey: "k-1" },
    );
    expect(second).toEqual(first);
    expect(await circles(t, user.id)).toBe(1);
    expect((await methodsIn(user.client)).filter((m) => m === "circle.created")).toHaveLength(1);
    // Without a key, the same call runs again.
    await user.actions.invoke("circle.create", params);
    expect(await circles(t, user.id)).toBe(2);
  });

  it("concurrent repeats run once", async () => {
    const user = await connectedUser(t);
    const params = { name: "race", kind: "group" as const };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => user.actions.invoke("circle.create", params, { idempotencyKey: "same" })),
    );
    expect(new Set(results.map((r) => r.circleId)).size).toBe(1);
    expect(await circles(t, user.id)).toBe(1);
  });

  it("the same key with another action or other params is IdempotencyConflict", async () => {
    const user = await connectedUser(t);
    await user.actions.invoke("circle.create", { name: "a", kind: "group" }, { idempotencyKey: "k" });
    await rejects(
      user.actions.invoke("circle.create", { name: "b", kind: "group" }, { idempotencyKey: "k" }),
      "IdempotencyConflict",
    );
    await rejects(user.actions.invoke("intent.create", { text: "a" }, { idempotencyKey: "k" }), "IdempotencyConflict");
    expect(await circles(t, user.id)).toBe(1);
  });

  it("keys are per principal, and the stored request includes the acting user", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const params = { name: "shared key", kind: "group" as const };
    const a = await alice.actions.invoke("circle.create", params, { idempotencyKey: "mine" });
    const b = await bob.actions.invoke("circle.create", params, { idempotencyKey: "mine" });
    expect(b.circleId).not.toBe(a.circleId);

    const app = await connectedApp(t);
    await grant(app, alice);
    await grant(app, bob);
    await app.actions.invoke("circle.create", params, { actorUserId: alice.id, idempotencyKey: "app-key" });
    await rejects(
      app.actions.invoke("circle.create", params, { actorUserId: bob.id, idempotencyKey: "app-key" }),
      "IdempotencyConflict",
    );
    expect(await circles(t, bob.id)).toBe(1);
  });

  it("a failed call keeps nothing: the key may be retried, e.g. with the confirmation it asked for", async () => {
    const owner = await connectedUser(t);
    const friend = await connectedUser(t);
    const agent = await (async () => {
      const made = await t.connectedAgent({ ownerUserId: owner.id });
      return made.client;
    })();
    const { result: intent } = await agent.call("actions/invoke", {
      action: "intent.create",
      params: { text: "retry" },
    });
    const intentId = (intent as { intentId: string }).intentId;
    const params = { intentId, recipientUserId: friend.id };
    const err = await rejects(
      agent.call("actions/invoke", { action: "request.send", params, idempotencyKey: "send-1" }),
      "ConfirmationRequired",
    );
    const confirmationId = (err.data as { confirmationId: string }).confirmationId;
    await owner.actions.confirm(confirmationId, true);
    const sent = await agent.call("actions/invoke", {
      action: "request.send",
      params,
      idempotencyKey: "send-1",
      confirmationId,
    });
    // The repeat after success needs no confirmation: it runs nothing.
    const repeat = await agent.call("actions/invoke", { action: "request.send", params, idempotencyKey: "send-1" });
    expect(repeat).toEqual(sent);
    expect(await countRows(t, "coordination_requests", "sender_user_id = ?", owner.id)).toBe(1);
  });

  it("the repeat of a call whose resource changed since still returns the stored result", async () => {
    const user = await connectedUser(t);
    const { intentId } = await user.actions.invoke("intent.create", { text: "to cancel" });
    const first = await user.actions.invoke("intent.cancel", { intentId }, { idempotencyKey: "cancel" });
    const second = await user.actions.invoke("intent.cancel", { intentId }, { idempotencyKey: "cancel" });
    expect(second).toEqual(first);
  });

  it("keeps each key for --idempotency-ttl (24 h by default)", async () => {
    const user = await connectedUser(t);
    const before = Date.now();
    await user.actions.invoke("circle.create", { name: "ttl", kind: "group" }, { idempotencyKey: "ttl" });
    const [row] = await t.query<{ e: number; a: string }>(
      "SELECT expires_at_ms AS e, actor_user_id AS a FROM idempotency_keys WHERE principal = ? AND key = ?",
      user.id,
      "ttl",
    );
    expect(row!.a).toBe(user.id);
    expect(row!.e).toBeGreaterThanOrEqual(before + 24 * 3600 * 1000);
    expect(row!.e).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
    // Once expired, the key is free: the call runs again, and may even differ.
    await t.exec(
      "UPDATE idempotency_keys SET expires_at_ms = ? WHERE principal = ? AND key = ?",
      Date.now() - 1,
      user.id,
      "ttl",
    );
    await user.actions.invoke("circle.create", { name: "ttl again", kind: "group" }, { idempotencyKey: "ttl" });
    expect(await circles(t, user.id)).toBe(2);
  });

  it("keys longer than 255 characters are InvalidParams", async () => {
    const user = await connectedUser(t);
    await rejects(
      user.actions.invoke("circle.create", { name: "x", kind: "group" }, { idempotencyKey: "k".repeat(256) }),
      "InvalidParams",
    );
  });

  it("the HTTP Idempotency-Key header works the same way, and shares keys with the socket", async () => {
    const user = await connectedUser(t);
    const headers = { ...bearer(user.token), "idempotency-key": "http-1" };
    const first = await post(t, "/api/actions/circle.create", { name: "over http", kind: "group" }, headers);
    expect(first.status).toBe(200);
    const second = await post(t, "/api/actions/circle.create", { name: "over http", kind: "group" }, headers);
    expect(second.body).toEqual(first.body);
    const overSocket = await user.actions.invoke(
      "circle.create",
      { name: "over http", kind: "group" },
      { idempotencyKey: "http-1" },
    );
    expect(overSocket).toEqual(first.body.result);
    expect(await circles(t, user.id)).toBe(1);
    const conflict = await post(t, "/api/actions/circle.create", { name: "other", kind: "group" }, headers);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.data.tag).toBe("IdempotencyConflict");
    const long = await post(
      t,
      "/api/actions/circle.create",
      { name: "x", kind: "group" },
      {
        ...bearer(user.token),
        "idempotency-key": "k".repeat(256),
      },
    );
    expect(long.status).toBe(400);
  });
});

describe("idempotency with --idempotency-ttl 0", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ idempotencyTtl: 0 });
  });
  afterAll(() => t.stop());

  it("keeps nothing, so every call runs", async () => {
    const user = await connectedUser(t);
    await user.actions.invoke("circle.create", { name: "a", kind: "group" }, { idempotencyKey: "k" });
    await user.actions.invoke("circle.create", { name: "b", kind: "group" }, { idempotencyKey: "k" });
    expect(await circles(t, user.id)).toBe(2);
  });
});
