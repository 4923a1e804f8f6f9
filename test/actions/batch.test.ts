import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { bearer, connectedApp, connectedUser, countRows, grant, post } from "./helpers.ts";

describe("actions/batch (7.6)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("runs every item through the whole pipeline, in order, with mixed results in the same order", async () => {
    const user = await connectedUser(t);
    const other = await connectedUser(t);
    const { intentId } = await other.actions.invoke("intent.create", { text: "not yours" });
    const results = await user.actions.batch([
      { action: "circle.create", params: { name: "first", kind: "group" } },
      { action: "no.such", params: {} },
      { action: "intent.cancel", params: { intentId } },
      { action: "intent.create", params: { text: "" } },
      { action: "circle.create", params: { name: "last", kind: "group" } },
    ]);
    expect(results.map((r) => (r.success ? "ok" : r.error.data.tag))).toEqual([
      "ok",
      "ActionNotFound",
      "Forbidden",
      "InvalidParams",
      "ok",
    ]);
    const failed = results[2]!;
    if (failed.success) throw new Error("expected a failure");
    expect(failed.error).toMatchObject({ code: -32001, data: { tag: "Forbidden", reason: "ownership_mismatch" } });
    expect(failed.error.message).toContain("owner");
    const names = await t.query<{ name: string }>(
      "SELECT name FROM circles WHERE owner_user_id = ? ORDER BY pk",
      user.id,
    );
    expect(names.map((n) => n.name)).toEqual(["first", "last"]);
  });

  it("a later item sees what an earlier one did", async () => {
    const user = await connectedUser(t);
    const { circleId } = await user.actions.invoke("circle.create", { name: "c", kind: "group" });
    const joiner = await connectedUser(t);
    const results = await joiner.actions.batch([
      { action: "circle.join", params: { circleId } },
      { action: "circle.join", params: { circleId } },
      { action: "circle.leave", params: { circleId } },
    ]);
    expect(
      results.map((r) => (r.success ? (r.result as { memberCount: number }).memberCount : r.error.data.reason)),
    ).toEqual([2, "already_member", 1]);
  });

  it("each item carries its own acting user and idempotency key", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const app = await connectedApp(t);
    await grant(app, alice);
    const results = await app.actions.batch([
      { action: "circle.create", params: { name: "a", kind: "group" }, actorUserId: alice.id, idempotencyKey: "b1" },
      { action: "circle.create", params: { name: "a", kind: "group" }, actorUserId: alice.id, idempotencyKey: "b1" },
      { action: "circle.create", params: { name: "b", kind: "group" }, actorUserId: bob.id },
      { action: "circle.create", params: { name: "c", kind: "group" } },
    ]);
    expect(results.map((r) => (r.success ? "ok" : r.error.data.tag))).toEqual([
      "ok",
      "ok",
      "NoDelegatedGrant",
      "InvalidParams",
    ]);
    expect(results[0]).toEqual(results[1]);
    expect(await countRows(t, "circles", "owner_user_id = ?", alice.id)).toBe(1);
  });

  it("takes 1 to 50 items", async () => {
    const user = await connectedUser(t);
    await rejects(user.actions.batch([]), "InvalidParams");
    const item = { action: "circle.create", params: { name: "x", kind: "group" } };
    await rejects(user.actions.batch(Array.from({ length: 51 }, () => item)), "InvalidParams");
    const fifty = await user.actions.batch(Array.from({ length: 50 }, () => item));
    expect(fifty.every((r) => r.success)).toBe(true);
    expect(await countRows(t, "circles", "owner_user_id = ?", user.id)).toBe(50);
    // Confirmations cannot be given inside a batch: the item's fields are strict.
    await rejects(
      user.client.call("actions/batch", { actions: [{ ...item, confirmationId: "cfm_x" } as never] }),
      "InvalidParams",
    );
  });

  it("over HTTP, X-Actor-User-Id is the default acting user of items that name none", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const app = await connectedApp(t);
    await grant(app, alice);
    await grant(app, bob);
    const res = await post(
      t,
      "/api/actions/batch",
      {
        actions: [
          { action: "circle.create", params: { name: "for alice", kind: "group" } },
          { action: "circle.create", params: { name: "for bob", kind: "group" }, actorUserId: bob.id },
          { action: "circle.create", params: { name: "" } },
        ],
      },
      { ...bearer(app.token), "x-actor-user-id": alice.id },
    );
    expect(res.status).toBe(200);
    expect(
      res.body.results.map((r: { success: boolean; result?: { actorUserId: string } }) => r.result?.actorUserId),
    ).toEqual([alice.id, bob.id, undefined]);
    expect(res.body.results[2]).toMatchObject({
      success: false,
      error: { code: -32602, data: { tag: "InvalidParams" } },
    });
  });

  it("over HTTP, a malformed batch is 400 and an Idempotency-Key header is refused with a reason", async () => {
    const user = await connectedUser(t);
    const empty = await post(t, "/api/actions/batch", { actions: [] }, bearer(user.token));
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ success: false, error: { data: { tag: "InvalidParams" } } });
    const keyed = await post(
      t,
      "/api/actions/batch",
      { actions: [{ action: "circle.create", params: { name: "x", kind: "group" } }] },
      { ...bearer(user.token), "idempotency-key": "k" },
    );
    expect(keyed.status).toBe(400);
    expect(keyed.body.error.data.issues[0].path).toEqual(["Idempotency-Key"]);
    expect(await countRows(t, "circles", "owner_user_id = ?", user.id)).toBe(0);
  });
});
