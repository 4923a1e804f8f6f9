import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { connectedApp, connectedUser, dataOf, grant, logOf, methodsIn } from "./helpers.ts";

describe("delegated authority: consent, grants, revocation and diagnosis (7.3)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("a consent request reaches the user, and approval gives the app an executable user grant", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    const requested = user.client.once("consent/requested");
    const consent = await app.actions.requestConsent(user.id, ["intent.write", "request.write"], "to plan lunches");
    expect(consent).toMatchObject({
      appId: app.id,
      userId: user.id,
      scope: "actions.invoke",
      capabilities: ["intent.write", "request.write"],
      note: "to plan lunches",
      status: "pending",
    });
    expect(consent.id).toMatch(/^cns_/);
    expect((await requested).consent.id).toBe(consent.id);

    const pending = await user.actions.consents({ status: "pending" });
    expect(pending.items.map((c) => c.id)).toEqual([consent.id]);

    const approved = app.client.once("consent/approved");
    const g = await user.actions.approveConsent(consent.id);
    expect(g).toMatchObject({
      appId: app.id,
      subjectType: "user",
      subjectId: user.id,
      scope: "actions.invoke",
      capabilities: ["intent.write", "request.write"],
      executionMode: "executable",
      status: "active",
    });
    expect(g.id).toMatch(/^grt_/);
    const note = await approved;
    expect(note.consent).toMatchObject({ id: consent.id, status: "approved" });
    expect(note.grant.id).toBe(g.id);
    expect((await user.actions.consents({ status: "pending" })).items).toEqual([]);
    expect((await user.actions.consents({ status: "approved" })).items.map((c) => c.id)).toEqual([consent.id]);

    const made = await app.actions.invoke("intent.create", { text: "lunch" }, { actorUserId: user.id });
    expect(made.actorUserId).toBe(user.id);
  });

  it("rejection tells the app and grants nothing", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    const consent = await app.actions.requestConsent(user.id, ["intent.write"]);
    const rejected = app.client.once("consent/rejected");
    const answer = await user.actions.rejectConsent(consent.id);
    expect(answer.status).toBe("rejected");
    expect((await rejected).consent).toMatchObject({ id: consent.id, status: "rejected" });
    await rejects(app.actions.invoke("intent.create", { text: "x" }, { actorUserId: user.id }), "NoDelegatedGrant");
    expect((await app.actions.grants()).items).toEqual([]);
  });

  it("only the addressed user answers, once: not_owner and not_pending", async () => {
    const alice = await connectedUser(t);
    const mallory = await connectedUser(t);
    const app = await connectedApp(t);
    const consent = await app.actions.requestConsent(alice.id, ["intent.write"]);
    const e1 = await rejects(mallory.actions.approveConsent(consent.id), "Forbidden");
    expect(dataOf(e1).reason).toBe("not_owner");
    await rejects(mallory.actions.rejectConsent(consent.id), "Forbidden");
    await alice.actions.approveConsent(consent.id);
    const e2 = await rejects(alice.actions.approveConsent(consent.id), "Conflict");
    expect(dataOf(e2).reason).toBe("not_pending");
    await rejects(alice.actions.rejectConsent(consent.id), "Conflict");
    await rejects(alice.actions.approveConsent("cns_nope"), "NotFound");
    // A user lists only the requests addressed to them.
    expect((await mallory.actions.consents()).items).toEqual([]);
  });

  it("an app may only ask for what it could use: its scope and its capabilities, from a known user", async () => {
    const user = await connectedUser(t);
    const noScope = await connectedApp(t, { scopes: [] });
    const e1 = await rejects(noScope.actions.requestConsent(user.id, ["intent.write"]), "ScopeMissing");
    expect(dataOf(e1).scope).toBe("actions.invoke");
    const narrow = await connectedApp(t, { capabilities: ["chat.write"] });
    const e2 = await rejects(
      narrow.actions.requestConsent(user.id, ["chat.write", "intent.write"]),
      "CapabilityMissing",
    );
    expect(dataOf(e2).capability).toBe("intent.write");
    await rejects(narrow.actions.requestConsent("usr_nope", ["chat.write"]), "UserNotFound");
    await rejects(
      narrow.client.call("consent/request", { userId: user.id, capabilities: ["chat.write"], scope: "other" as never }),
      "InvalidParams",
    );
    await rejects(narrow.actions.requestConsent(user.id, []), "InvalidParams");
  });

  it("consent methods belong to their side: users answer, apps ask", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    await rejects(
      user.client.call("consent/request", { userId: user.id, capabilities: ["x"], scope: "actions.invoke" }),
      "MethodNotFound",
    );
    await rejects(app.client.call("consent/list", {}), "MethodNotFound");
    await rejects(app.client.call("grants/revoke", { grantId: "grt_x" }), "MethodNotFound");
  });

  it("revocation takes effect at once, mid-session, and tells the app", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    const g = await grant(app, user);
    await app.actions.invoke("intent.create", { text: "before" }, { actorUserId: user.id });
    const revokedNote = app.client.once("grant/revoked");
    const revoked = await user.actions.revokeGrant(g.id);
    expect(revoked).toMatchObject({ id: g.id, status: "revoked" });
    expect(revoked.revokedAt).toBeDefined();
    expect((await revokedNote).grant.id).toBe(g.id);
    // Same socket, next call: no grant any more.
    await rejects(app.actions.invoke("intent.create", { text: "after" }, { actorUserId: user.id }), "NoDelegatedGrant");
    const e = await rejects(user.actions.revokeGrant(g.id), "Conflict");
    expect(dataOf(e).reason).toBe("not_active");
    // Lists keep revoked grants, with their status.
    expect((await app.actions.grants()).items.map((x) => [x.id, x.status])).toEqual([[g.id, "revoked"]]);
    expect((await user.actions.grants()).items.map((x) => [x.id, x.status])).toEqual([[g.id, "revoked"]]);
  });

  it("a user revokes only their own grants; the admin revokes any", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const app = await connectedApp(t);
    const g = await grant(app, alice);
    const e = await rejects(bob.actions.revokeGrant(g.id), "Forbidden");
    expect(dataOf(e).reason).toBe("not_owner");
    const admin = await t.admin();
    const { grant: revoked } = await admin.call("grants/revoke", { grantId: g.id });
    expect(revoked.status).toBe("revoked");
    await rejects(admin.call("grants/revoke", { grantId: "grt_nope" }), "NotFound");
  });

  it("admin/grant/create models non-user grants only; they never execute", async () => {
    const app = await connectedApp(t);
    const agentMade = await t.agent();
    const admin = await t.admin();
    const { grant: modeled } = await admin.call("admin/grant/create", {
      appId: app.id,
      subjectType: "agent",
      subjectId: agentMade.id,
      scope: "actions.invoke",
      capabilities: ["intent.write"],
    });
    expect(modeled).toMatchObject({ subjectType: "agent", executionMode: "modeled_only", status: "active" });
    const userGrant = await rejects(
      admin.call("admin/grant/create", {
        appId: app.id,
        subjectType: "user" as never,
        subjectId: "usr_x",
        scope: "actions.invoke",
        capabilities: ["intent.write"],
      }),
      "InvalidParams",
    );
    expect(dataOf(userGrant).issues).toContainEqual(expect.objectContaining({ path: ["subjectType"] }));
    await rejects(
      admin.call("admin/grant/create", {
        appId: "app_nope",
        subjectType: "service",
        subjectId: "svc",
        scope: "actions.invoke",
        capabilities: ["x"],
      }),
      "AppNotFound",
    );
    await rejects(
      admin.call("admin/grant/create", {
        appId: app.id,
        subjectType: "agent",
        subjectId: "agt_nope",
        scope: "actions.invoke",
        capabilities: ["x"],
      }),
      "AgentNotFound",
    );
    await rejects(app.client.call("admin/grant/create", {} as never), "MethodNotFound");
  });

  it("auth/diagnose names the check an action would fail, and why, per acting user", async () => {
    const alice = await connectedUser(t);
    const bob = await connectedUser(t);
    const app = await connectedApp(t, { capabilities: ["intent.write", "request.write"] });
    const admin = await t.admin();
    const { grant: modeled } = await admin.call("admin/grant/create", {
      appId: app.id,
      subjectType: "service",
      subjectId: "svc",
      scope: "actions.invoke",
      capabilities: ["request.write"],
    });
    const g = await grant(app, alice, ["intent.write"]);

    const forAlice = await app.actions.diagnose({ actorUserId: alice.id, action: "intent.create" });
    expect(forAlice.token).toEqual({ status: "valid" });
    expect(forAlice.app).toEqual({
      id: app.id,
      scopes: ["actions.invoke"],
      capabilities: ["intent.write", "request.write"],
    });
    expect(forAlice.grants.executable.map((x) => x.id)).toEqual([g.id]);
    expect(forAlice.grants.modeledOnly.map((x) => x.id)).toEqual([modeled.id]);
    expect(forAlice.action).toMatchObject({ action: "intent.create", executable: true, confirmationRequired: false });

    const forBob = await app.actions.diagnose({ actorUserId: bob.id, action: "intent.create" });
    expect(forBob.grants.executable).toEqual([]);
    expect(forBob.action).toMatchObject({ executable: false, failure: "NoDelegatedGrant" });
    expect(forBob.action?.message).toContain("consent/request");
    expect((await app.actions.diagnose({ actorUserId: alice.id, action: "request.send" })).action).toMatchObject({
      executable: false,
      failure: "GrantModeledOnly",
    });
    expect((await app.actions.diagnose({ actorUserId: alice.id, action: "chat.create" })).action).toMatchObject({
      failure: "CapabilityMissing",
    });
    expect((await app.actions.diagnose({ action: "no.such" })).action).toMatchObject({
      action: "no.such",
      executable: false,
      failure: "ActionNotFound",
    });
    const noScope = await connectedApp(t, { scopes: [] });
    expect((await noScope.actions.diagnose({ action: "intent.create" })).action?.failure).toBe("ScopeMissing");
    expect((await app.actions.diagnose({})).action).toBeUndefined();

    // Revoked grants are left out.
    await alice.actions.revokeGrant(g.id);
    expect((await app.actions.diagnose({ actorUserId: alice.id })).grants.executable).toEqual([]);
  });

  it("the authority notifications go through the event log, so replay delivers them", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    const g = await grant(app, user);
    await user.actions.revokeGrant(g.id);
    expect(await methodsIn(user.client)).toEqual(["consent/requested"]);
    const appLog = await logOf(app.client);
    expect(appLog.map((e) => e.method)).toEqual(["consent/approved", "grant/revoked"]);
    expect(appLog[1]!.params.cursor).toMatch(/^\d+$/);
  });

  it("pages consent and grant lists newest first", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await app.actions.requestConsent(user.id, ["intent.write"])).id);
    const first = await user.actions.consents({ limit: 2 });
    expect(first.items.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const second = await user.actions.consents({ limit: 2, cursor: first.nextCursor! });
    const third = await user.actions.consents({ limit: 2, cursor: second.nextCursor! });
    expect([...second.items, ...third.items].map((c) => c.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(third.nextCursor).toBeUndefined();
    await rejects(user.actions.consents({ cursor: "garbage" }), "InvalidParams");
  });
});
