import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { dataOf, nextClose } from "../helpers/scenario.ts";
import { connect, type MethodName } from "../../client/index.ts";
import { resolveConfig } from "../../server/config.ts";
import { startHub } from "../../server/hub.ts";

const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const adminMethods = [
  ["admin/app/create", { name: "x" }],
  ["admin/agent/create", { name: "xyz" }],
  ["admin/user/create", { name: "x" }],
  ["admin/token/rotate", { principalId: "admin" }],
  ["admin/agent/suspend", { agentId: "agt_x" }],
  ["admin/agent/unsuspend", { agentId: "agt_x" }],
] as const;

describe("section 2: admin methods", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("admin/app/create answers the app and a token that works; scopes and capabilities are kept", async () => {
    const admin = await t.admin();
    const { app, token } = await admin.call("admin/app/create", {
      name: "calendar",
      scopes: ["actions.invoke", "events.subscribe"],
      capabilities: ["chat.write"],
      manifest: { hooks: { messageAuthorize: true } },
    });
    expect(app).toEqual({
      id: expect.stringMatching(/^app_/),
      name: "calendar",
      scopes: ["actions.invoke", "events.subscribe"],
      capabilities: ["chat.write"],
      createdAt: expect.stringMatching(iso),
    });
    expect(token).toMatch(new RegExp(`^sb_app\\.${app.id}\\.[A-Za-z0-9_-]{32,}$`));
    expect((await t.connect(token)).principal).toEqual({ type: "app", appId: app.id, name: "calendar" });
  });

  it("admin/app/create refuses a taken name (Conflict) and a name with a dot (InvalidParams)", async () => {
    const admin = await t.admin();
    await admin.call("admin/app/create", { name: "twice" });
    const err = await rejects(admin.call("admin/app/create", { name: "twice" }), "Conflict");
    expect(dataOf(err).reason).toBe("name_taken");
    expect(err.message).toMatch(/another name/);
    const dotted = await rejects(admin.call("admin/app/create", { name: "a.b" }), "InvalidParams");
    expect(dataOf(dotted).issues[0].path).toEqual(["name"]);
    // app_default's name is taken too.
    await rejects(admin.call("admin/app/create", { name: "default" }), "Conflict");
  });

  it("admin/agent/create answers the agent (with its did and owner) and a token that works", async () => {
    const admin = await t.admin();
    const { user } = await admin.call("admin/user/create", { name: "Olive Owner" });
    const { agent, token } = await admin.call("admin/agent/create", {
      name: "owned-agent",
      displayName: "Owned Agent",
      ownerUserId: user.id,
    });
    expect(agent).toEqual({
      id: expect.stringMatching(/^agt_/),
      name: "owned-agent",
      displayName: "Owned Agent",
      ownerUserId: user.id,
      status: "active",
      did: `did:switchboard:${agent.id}`,
      createdAt: expect.stringMatching(iso),
    });
    expect((await t.connect(token)).principal).toEqual({ type: "agent", agentId: agent.id, name: "owned-agent" });
  });

  it("admin/agent/create refuses an unknown owner (UserNotFound), a taken name (Conflict) and a bad name", async () => {
    const admin = await t.admin();
    const unknown = await rejects(
      admin.call("admin/agent/create", { name: "orphan", ownerUserId: "usr_nobody" }),
      "UserNotFound",
    );
    expect(unknown.message).toMatch(/usr_nobody/);
    await admin.call("admin/agent/create", { name: "taken-name" });
    await rejects(admin.call("admin/agent/create", { name: "taken-name" }), "Conflict");
    await rejects(admin.call("admin/agent/create", { name: "Bad Name" }), "InvalidParams");
  });

  it("admin/user/create answers the user and a token that works", async () => {
    const admin = await t.admin();
    const { user, token } = await admin.call("admin/user/create", { name: "Una User" });
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_/),
      name: "Una User",
      createdAt: expect.stringMatching(iso),
    });
    expect((await t.connect(token)).principal).toEqual({ type: "user", userId: user.id, name: "Una User" });
  });

  it("stores only the SHA-256 of a token's secret", async () => {
    const agent = await t.agent();
    const secret = agent.token.split(".")[2]!;
    const [row] = await t.query<{ kind: string; secret_hash: Buffer }>(
      "SELECT kind, secret_hash FROM credentials WHERE principal_id = ?",
      agent.id,
    );
    expect(row!.kind).toBe("agent");
    expect(row!.secret_hash.equals(createHash("sha256").update(secret).digest())).toBe(true);
    const dump = JSON.stringify(await t.query("SELECT * FROM credentials"), (_k, v: unknown) =>
      Buffer.isBuffer(v) ? v.toString("hex") : v,
    );
    expect(dump).not.toContain(secret);
  });

  it("admin/token/rotate is NotFound for an unknown principal", async () => {
    const admin = await t.admin();
    const err = await rejects(admin.call("admin/token/rotate", { principalId: "agt_nobody" }), "NotFound");
    expect(err.message).toMatch(/agt_nobody/);
  });

  it("admin/agent/suspend and unsuspend are AgentNotFound, with data.agentIds, for an unknown agent", async () => {
    const admin = await t.admin();
    for (const method of ["admin/agent/suspend", "admin/agent/unsuspend"] as const) {
      const err = await rejects(admin.call(method, { agentId: "agt_nobody" }), "AgentNotFound");
      expect(dataOf(err).agentIds).toEqual(["agt_nobody"]);
    }
  });

  it("answers MethodNotFound to agents, apps and users for every admin method", async () => {
    const agent = await t.connectedAgent();
    const app = await t.connectedApp();
    const user = await t.user();
    const forUser = await t.connect(user.token);
    for (const client of [agent.client, app.client, forUser]) {
      for (const [method, params] of adminMethods) {
        const err = await rejects(client.call(method as MethodName, params as never), "MethodNotFound");
        expect(err.code).toBe(-32601);
        expect(err.message).toMatch(/rpc\.discover/);
      }
    }
  });

  it("generates the admin token on the first start without SWITCHBOARD_ADMIN_TOKEN, and only then", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-admin-"));
    const config = resolveConfig({}, {}, { port: 0, db: join(dir, "hub.db"), logLevel: "silent" });
    try {
      const first = await startHub(config);
      const token = first.generatedAdminToken!;
      expect(token).toMatch(/^sb_admin\.admin\.[A-Za-z0-9_-]{32,}$/);
      const admin = await connect({ url: first.wsUrl, token, reconnect: false });
      expect(admin.principal).toEqual({ type: "admin" });
      await admin.close();
      await first.close();

      const second = await startHub(config);
      expect(second.generatedAdminToken).toBeUndefined();
      const again = await connect({ url: second.wsUrl, token, reconnect: false });
      expect(again.principal).toEqual({ type: "admin" });
      await again.close();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rotating the admin token closes the admin's sockets after answering, and the old token stops working", async () => {
    const own = await TestHub.start();
    try {
      const admin = await own.connect(own.adminToken);
      const other = await own.connect(own.adminToken);
      const closes = [nextClose(admin), nextClose(other)];
      const { token } = await admin.call("admin/token/rotate", { principalId: "admin" });
      expect(token).toMatch(/^sb_admin\.admin\.[A-Za-z0-9_-]{32,}$/);
      expect(await Promise.all(closes)).toEqual([4401, 4401]);
      await rejects(own.connect(own.adminToken), "Unauthorized");
      const fresh = await own.connect(token);
      expect(fresh.principal).toEqual({ type: "admin" });
      expect((await fresh.call("admin/user/create", { name: "after rotation" })).user.name).toBe("after rotation");
    } finally {
      await own.stop();
    }
  });
});
