import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeOverHttp } from "../../client/actions.ts";
import { TestHub } from "../helpers/hub.ts";
import { bearer, connectedAgent, connectedApp, connectedUser, countRows, grant, post } from "./helpers.ts";

describe("the HTTP form of actions (7.8)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ callbackTimeoutMs: 300 });
  });
  afterAll(() => t.stop());

  it("200 {success: true, result} with the body as params and _context beside them", async () => {
    const user = await connectedUser(t);
    const res = await post(
      t,
      "/api/actions/intent.create",
      { text: "over http", _context: { invoked_by: "curl", timestamp: "2026-01-21T10:30:00Z" } },
      bearer(user.token),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      result: { action: "intent.create", actorUserId: user.id, status: "active", unchanged: false },
    });
    expect(await countRows(t, "user_intents", "owner_user_id = ?", user.id)).toBe(1);
  });

  it("an app names the acting user in X-Actor-User-Id", async () => {
    const user = await connectedUser(t);
    const app = await connectedApp(t);
    await grant(app, user);
    const answer = await invokeOverHttp(
      t.url,
      app.token,
      "circle.create",
      { name: "http", kind: "group" },
      {
        actorUserId: user.id,
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, result: { actorUserId: user.id } });
    const without = await invokeOverHttp(t.url, app.token, "circle.create", { name: "http", kind: "group" });
    expect(without.status).toBe(400);
  });

  it("maps each error to its status: 400, 401, 403, 404, 409, 503", async () => {
    const user = await connectedUser(t);
    const other = await connectedUser(t);
    const { intentId } = await other.actions.invoke("intent.create", { text: "theirs" });
    const noGrant = await connectedApp(t);
    const noScope = await connectedApp(t, { scopes: [] });
    const agent = await connectedAgent(t, user.id);
    const own = await user.actions.invoke("intent.create", { text: "mine" });
    await user.actions.invoke("intent.cancel", { intentId: own.intentId });
    const offline = await connectedApp(t, { capabilities: [] });
    await offline.actions.declare([
      {
        id: "ping",
        type: "action",
        name: "Ping",
        description: "",
        permissions: { user: "allowed", agent: "allowed" },
        side_effects: "none",
        schema: { input: { type: "object" }, output: {} },
      },
    ]);
    await offline.client.close();

    const cases: Array<[string, string, unknown, Record<string, string>, number, string]> = [
      ["bad json", "/api/actions/intent.create", "{not json", bearer(user.token), 400, "ParseError"],
      ["bad params", "/api/actions/intent.create", { text: "" }, bearer(user.token), 400, "InvalidParams"],
      ["not an object", "/api/actions/intent.create", [1, 2], bearer(user.token), 400, "InvalidParams"],
      ["no token", "/api/actions/intent.create", { text: "x" }, {}, 401, "Unauthorized"],
      ["ownership", "/api/actions/intent.cancel", { intentId }, bearer(user.token), 403, "Forbidden"],
      [
        "scope",
        "/api/actions/intent.create",
        { text: "x" },
        { ...bearer(noScope.token), "x-actor-user-id": user.id },
        403,
        "ScopeMissing",
      ],
      [
        "grant",
        "/api/actions/intent.create",
        { text: "x" },
        { ...bearer(noGrant.token), "x-actor-user-id": user.id },
        403,
        "NoDelegatedGrant",
      ],
      [
        "confirmation",
        "/api/actions/connection.create",
        { type: "direct", userIds: [other.id] },
        bearer(agent.token),
        403,
        "ConfirmationRequired",
      ],
      ["unknown action", "/api/actions/nope.nope", {}, bearer(user.token), 404, "ActionNotFound"],
      ["unknown resource", "/api/actions/intent.cancel", { intentId: "int_nope" }, bearer(user.token), 404, "NotFound"],
      ["state", "/api/actions/intent.cancel", { intentId: own.intentId }, bearer(user.token), 409, "Conflict"],
      ["app offline", `/api/actions/${offline.name}.ping`, {}, bearer(user.token), 503, "ActionUnavailable"],
    ];
    for (const [what, path, body, headers, status, tag] of cases) {
      const res = await post(t, path, body, headers);
      expect([what, res.status, res.body.success, res.body.error?.data?.tag]).toEqual([what, status, false, tag]);
      expect(typeof res.body.error.code).toBe("number");
      expect(res.body.error.message.length).toBeGreaterThan(10);
    }
  });

  it("confirms through X-Confirmation-Id", async () => {
    const owner = await connectedUser(t);
    const friend = await connectedUser(t);
    const agent = await connectedAgent(t, owner.id);
    const first = await invokeOverHttp(t.url, agent.token, "connection.create", {
      type: "direct",
      userIds: [friend.id],
    });
    expect(first.status).toBe(403);
    if (first.body.success) throw new Error("expected ConfirmationRequired");
    const confirmationId = first.body.error.data.confirmationId as string;
    await owner.actions.confirm(confirmationId, true);
    const second = await invokeOverHttp(
      t.url,
      agent.token,
      "connection.create",
      { type: "direct", userIds: [friend.id] },
      { confirmationId },
    );
    expect(second).toMatchObject({ status: 200, body: { success: true, result: { actorUserId: owner.id } } });
  });

  it("the admin token cannot invoke; other verbs and a suspended agent are refused", async () => {
    const admin = await post(t, "/api/actions/intent.create", { text: "x" }, bearer(t.adminToken));
    expect(admin.status).toBe(404);
    expect(admin.body.error.data.tag).toBe("MethodNotFound");
    const get = await fetch(`${t.url}/api/actions/intent.create`);
    expect(get.status).toBe(405);
    const user = await connectedUser(t);
    const agent = await connectedAgent(t, user.id);
    const adminClient = await t.admin();
    await adminClient.call("admin/agent/suspend", { agentId: agent.id });
    const suspended = await post(t, "/api/actions/circle.create", { name: "x", kind: "group" }, bearer(agent.token));
    expect(suspended.status).toBe(403);
    expect(suspended.body.error.data).toMatchObject({ tag: "Forbidden", reason: "suspended" });
  });
});
