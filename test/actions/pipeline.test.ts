import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionDeclaration } from "../../protocol/index.ts";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { connectedAgent, connectedApp, connectedUser, dataOf, grant, methodsIn, post, bearer } from "./helpers.ts";

/**
 * Every failure of 7.2, reached the way a caller reaches it, and the order
 * of the checks: each test sets up a caller that fails two checks at once
 * and expects the earlier one.
 */
describe("actions/invoke runs the checks of 7.2 in order", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("1. Unauthorized: a socket that has not authenticated, and HTTP without or with a bad token", async () => {
    const raw = await t.raw();
    const answer = await raw.request("actions/invoke", { action: "intent.create", params: { text: "x" } });
    expect(answer.error?.data.tag).toBe("Unauthorized");
    const anonymous = await post(t, "/api/actions/intent.create", { text: "x" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.data.tag).toBe("Unauthorized");
    const bad = await post(t, "/api/actions/intent.create", { text: "x" }, bearer(`sb_user.usr_x.${"a".repeat(43)}`));
    expect(bad.status).toBe(401);
  });

  it("2. ActionNotFound: unknown ids, and unknown even for an app that lacks every scope", async () => {
    const user = await connectedUser(t);
    await rejects(user.actions.invoke("intent.explode", {}), "ActionNotFound");
    await rejects(user.actions.invoke("nosuchapp.play", {}), "ActionNotFound");
    const bare = await connectedApp(t, { scopes: [], capabilities: [] });
    await rejects(bare.actions.invoke("intent.nope", {}, { actorUserId: user.id }), "ActionNotFound");
  });

  it("params are checked against the action's schema, strictly, with paths under params", async () => {
    const user = await connectedUser(t);
    const missing = await rejects(user.actions.invoke("intent.create", {} as never), "InvalidParams");
    expect(dataOf(missing).issues).toContainEqual(expect.objectContaining({ path: ["params", "text"] }));
    const extra = await rejects(
      user.actions.invoke("intent.create", { text: "hi", colour: "red" } as never),
      "InvalidParams",
    );
    expect(dataOf(extra).issues).toContainEqual(expect.objectContaining({ path: ["params", "colour"] }));
    await rejects(user.actions.invoke("intent.create", { text: "" }), "InvalidParams");
    await rejects(user.actions.invoke("intent.create", { text: "x".repeat(2001) }), "InvalidParams");
    const app = await connectedApp(t);
    const noActor = await rejects(app.actions.invoke("intent.create", { text: "hi" }), "InvalidParams");
    expect(dataOf(noActor).issues).toContainEqual(expect.objectContaining({ path: ["actorUserId"] }));
  });

  it("3. ActionForbidden: the permission for the caller type, apps using the user permission", async () => {
    const app = await connectedApp(t);
    const decl = (id: string, permissions: ActionDeclaration["permissions"]): ActionDeclaration => ({
      id,
      type: "action",
      name: id,
      description: "",
      permissions,
      side_effects: "none",
      schema: { input: { type: "object" }, output: {} },
    });
    await app.actions.declare([
      decl("users-only", { user: "allowed", agent: "forbidden" }),
      decl("agents-only", { user: "forbidden", agent: "allowed" }),
    ]);
    const user = await connectedUser(t);
    const agent = await connectedAgent(t, user.id);
    const err = await rejects(agent.actions.invoke(`${app.name}.users-only`, {}), "ActionForbidden");
    expect(dataOf(err).reason).toBe("permission_forbidden");
    await rejects(user.actions.invoke(`${app.name}.agents-only`, {}), "ActionForbidden");
    // The app acts for a user, so the user permission applies, and it comes before the app's own authority.
    const bare = await connectedApp(t, { scopes: [], capabilities: [] });
    await rejects(bare.actions.invoke(`${app.name}.agents-only`, {}, { actorUserId: user.id }), "ActionForbidden");
  });

  it("3. ActionForbidden agent_has_no_owner: an ownerless agent may only call actions without side effects", async () => {
    const agent = await connectedAgent(t);
    const err = await rejects(agent.actions.invoke("circle.create", { name: "c", kind: "group" }), "ActionForbidden");
    expect(dataOf(err).reason).toBe("agent_has_no_owner");
  });

  it("users act for themselves and agents for their owner: another actorUserId is Forbidden", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const err = await rejects(
      alice.actions.invoke("intent.create", { text: "x" }, { actorUserId: bob.id }),
      "Forbidden",
    );
    expect(dataOf(err).reason).toBe("actor_mismatch");
    const agent = await connectedAgent(t, alice.id);
    await rejects(agent.actions.invoke("intent.create", { text: "x" }, { actorUserId: bob.id }), "Forbidden");
    const own = await agent.actions.invoke("intent.create", { text: "mine" }, { actorUserId: alice.id });
    expect(own.actorUserId).toBe(alice.id);
  });

  it("4. ScopeMissing before CapabilityMissing before the grant", async () => {
    const user = await connectedUser(t);
    const noScope = await connectedApp(t, { scopes: [], capabilities: [] });
    const e1 = await rejects(
      noScope.actions.invoke("intent.create", { text: "x" }, { actorUserId: user.id }),
      "ScopeMissing",
    );
    expect(dataOf(e1).scope).toBe("actions.invoke");
    const noCapability = await connectedApp(t, { capabilities: ["chat.write"] });
    const e2 = await rejects(
      noCapability.actions.invoke("intent.create", { text: "x" }, { actorUserId: user.id }),
      "CapabilityMissing",
    );
    expect(dataOf(e2).capability).toBe("intent.write");
  });

  it("4. NoDelegatedGrant without a grant from that user, even with one from another user or for another capability", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const app = await connectedApp(t);
    await rejects(app.actions.invoke("intent.create", { text: "x" }, { actorUserId: alice.id }), "NoDelegatedGrant");
    await grant(app, bob);
    await grant(app, alice, ["chat.write"]);
    await rejects(app.actions.invoke("intent.create", { text: "x" }, { actorUserId: alice.id }), "NoDelegatedGrant");
    // An unknown user has granted nothing either: the hub does not say whether the user exists.
    await rejects(
      app.actions.invoke("intent.create", { text: "x" }, { actorUserId: "usr_nobody" }),
      "NoDelegatedGrant",
    );
    const ok = await app.actions.invoke("intent.create", { text: "x" }, { actorUserId: bob.id });
    expect(ok.actorUserId).toBe(bob.id);
  });

  it("4. GrantModeledOnly when only non-user grants cover the capability", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    const admin = await t.admin();
    await admin.call("admin/grant/create", {
      appId: app.id,
      subjectType: "service",
      subjectId: "svc-calendar",
      scope: "actions.invoke",
      capabilities: ["intent.write"],
    });
    await rejects(app.actions.invoke("intent.create", { text: "x" }, { actorUserId: user.id }), "GrantModeledOnly");
    // A modeled grant of another capability does not count.
    await rejects(
      app.actions.invoke("circle.create", { name: "c", kind: "group" }, { actorUserId: user.id }),
      "NoDelegatedGrant",
    );
    await grant(app, user, ["intent.write"]);
    await app.actions.invoke("intent.create", { text: "x" }, { actorUserId: user.id });
  });

  it("5. Forbidden ownership_mismatch and membership_mismatch, after authority and before confirmation", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const { intentId } = await alice.actions.invoke("intent.create", { text: "alice's" });
    const e1 = await rejects(bob.actions.invoke("intent.update", { intentId, text: "bob's now" }), "Forbidden");
    expect(dataOf(e1).reason).toBe("ownership_mismatch");
    // An agent of bob's on an external action: ownership fails before any confirmation is asked for.
    const bobsAgent = await connectedAgent(t, bob.id);
    const e2 = await rejects(
      bobsAgent.actions.invoke("request.send", { intentId, recipientUserId: alice.id }),
      "Forbidden",
    );
    expect(dataOf(e2).reason).toBe("ownership_mismatch");
    expect(await methodsIn(bob.client)).not.toContain("action/confirmation-requested");
    const carol = await connectedUser(t);
    const { connectionId } = await alice.actions.invoke("connection.create", { type: "direct", userIds: [bob.id] });
    const e3 = await rejects(carol.actions.invoke("chat.create", { connectionId }), "Forbidden");
    expect(dataOf(e3).reason).toBe("membership_mismatch");
  });

  it("unknown resources are NotFound, unknown users UserNotFound", async () => {
    const alice = await connectedUser(t);
    await rejects(alice.actions.invoke("intent.cancel", { intentId: "int_nope" }), "NotFound");
    await rejects(alice.actions.invoke("chat.send_message", { chatId: "cht_nope", text: "hi" }), "NotFound");
    const { intentId } = await alice.actions.invoke("intent.create", { text: "meet" });
    await rejects(alice.actions.invoke("request.send", { intentId, recipientUserId: "usr_nope" }), "UserNotFound");
    await rejects(alice.actions.invoke("connection.create", { type: "group", userIds: ["usr_nope"] }), "UserNotFound");
  });

  it("6. ConfirmationRequired for an agent's external action, with the request sent to its owner", async () => {
    const owner = await connectedUser(t);
    const friend = await connectedUser(t);
    const agent = await connectedAgent(t, owner.id);
    const { intentId } = await agent.actions.invoke("intent.create", { text: "lunch?" });
    const asked = owner.client.once("action/confirmation-requested");
    const err = await rejects(
      agent.actions.invoke("request.send", { intentId, recipientUserId: friend.id }),
      "ConfirmationRequired",
    );
    const note = await asked;
    expect(note.confirmationId).toBe(dataOf(err).confirmationId);
    expect(note).toMatchObject({
      action: "request.send",
      params: { intentId, recipientUserId: friend.id },
      invoker: { type: "agent", id: agent.id },
    });
    expect(await methodsIn(friend.client)).not.toContain("request.sent");
  });

  it("7. runs, answers the result with action and actorUserId, and logs the event for the actor", async () => {
    const user = await connectedUser(t);
    const created = user.client.once("intent.created");
    const result = await user.actions.invoke("intent.create", { text: "find a cofounder", framing: "urgent" });
    expect(result).toMatchObject({ action: "intent.create", actorUserId: user.id, status: "active", unchanged: false });
    expect(result.intentId).toMatch(/^int_/);
    const event = await created;
    expect(event).toMatchObject({
      event: "intent.created",
      actorUserId: user.id,
      resource: { type: "intent", id: result.intentId },
      payload: { intent: { id: result.intentId, text: "find a cofounder", framing: "urgent", status: "active" } },
    });
    expect(event.eventId).toMatch(/^evt_/);
    expect(event.cursor).toMatch(/^\d+$/);
    expect(event.actorAppId).toBeUndefined();
  });

  it("_context is accepted, strictly, and never required", async () => {
    const user = await connectedUser(t);
    await user.actions.invoke(
      "circle.create",
      { name: "c", kind: "group" },
      { context: { invoked_by: "test", pane_id: "p1" } },
    );
    await rejects(
      user.client.call("actions/invoke", {
        action: "circle.create",
        params: { name: "c", kind: "group" },
        _context: { invoked_by: "x", mood: "happy" } as never,
      }),
      "InvalidParams",
    );
  });

  it("is not served to the admin", async () => {
    const admin = await t.admin();
    await rejects(admin.call("actions/invoke", { action: "intent.create", params: { text: "x" } }), "MethodNotFound");
  });
});
