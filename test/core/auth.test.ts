import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { dataOf, nextClose, postRpc, rawAuthed } from "../helpers/scenario.ts";

/** The HTTP status an upgrade to /ws is refused with (or 101 when it is accepted). */
const upgradeStatus = async (t: TestHub, headers: Record<string, string>): Promise<number> => {
  try {
    const raw = await t.raw(headers);
    await raw.close();
    return 101;
  } catch (err) {
    return (err as { status: number }).status;
  }
};

describe("section 2: authentication", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ heartbeatMs: 12_345 });
  });
  afterAll(() => t.stop());

  describe("bearer token on the upgrade request", () => {
    it("authenticates the socket with a valid token: calls work without auth/connect", async () => {
      const alice = await t.agent();
      const raw = await t.raw({ authorization: `Bearer ${alice.token}` });
      const answer = await raw.request("task/list", {});
      expect(answer.error).toBeUndefined();
      expect(answer.result).toEqual({ items: [] });
    });

    it("refuses a bad token with HTTP 401 and no upgrade", async () => {
      const alice = await t.agent();
      expect(await upgradeStatus(t, { authorization: `Bearer ${alice.token}x` })).toBe(401);
      expect(
        await upgradeStatus(t, { authorization: "Bearer sb_agent.agt_nope.abcdefghijklmnopqrstuvwxyzABCDEFGH" }),
      ).toBe(401);
      expect(await upgradeStatus(t, { authorization: "Bearer " })).toBe(401);
    });

    it("refuses a suspended agent with HTTP 403", async () => {
      const alice = await t.agent();
      const admin = await t.admin();
      await admin.call("admin/agent/suspend", { agentId: alice.id });
      expect(await upgradeStatus(t, { authorization: `Bearer ${alice.token}` })).toBe(403);
    });

    it("makes a later auth/connect on that socket a Conflict", async () => {
      const alice = await t.agent();
      const raw = await t.raw({ authorization: `Bearer ${alice.token}` });
      const answer = await raw.request("auth/connect", { token: alice.token });
      expect(answer.error?.data.tag).toBe("Conflict");
      expect(answer.error?.message).toMatch(/another socket/);
    });
  });

  describe("auth/connect", () => {
    it("answers principal, protocolVersion, connectionId, heartbeatMs and cursor for an agent", async () => {
      const alice = await t.agent();
      const raw = await t.raw();
      const answer = await raw.request("auth/connect", { token: alice.token });
      expect(answer).toEqual({
        jsonrpc: "2.0",
        id: expect.any(String),
        result: {
          principal: { type: "agent", agentId: alice.id, name: alice.record.name },
          protocolVersion: "1",
          connectionId: expect.any(String),
          heartbeatMs: 12_345,
          cursor: "0",
        },
      });
    });

    it("gives each socket its own connectionId", async () => {
      const alice = await t.agent();
      const a = await rawAuthed(t, alice.token);
      const b = await rawAuthed(t, alice.token);
      expect(a.hello.connectionId).not.toBe(b.hello.connectionId);
    });

    it("answers the principal shapes of apps, users and the admin", async () => {
      const app = await t.app();
      const user = await t.user();
      const forApp = await t.connect(app.token);
      const forUser = await t.connect(user.token);
      const forAdmin = await t.connect(t.adminToken);
      expect(forApp.principal).toEqual({ type: "app", appId: app.id, name: app.record.name });
      expect(forUser.principal).toEqual({ type: "user", userId: user.id, name: user.record.name });
      expect(forAdmin.principal).toEqual({ type: "admin" });
    });

    it("answers the principal's current cursor: that of its newest event", async () => {
      const alice = await t.connectedAgent();
      const bob = await t.agent();
      const created = alice.client.once("task/created");
      await alice.client.call("task/request", { invitedAgentIds: [bob.id] });
      const { cursor } = await created;
      const again = await rawAuthed(t, alice.token);
      expect(again.hello.cursor).toBe(cursor);
      const forBob = await rawAuthed(t, bob.token);
      expect(BigInt(forBob.hello.cursor)).toBeGreaterThan(0n);
    });

    it("refuses a bad token with Unauthorized, and the socket can try again", async () => {
      const alice = await t.agent();
      const raw = await t.raw();
      const bad = await raw.request("auth/connect", { token: "sb_agent.nope.short" });
      expect(bad.error).toMatchObject({ code: -32000, data: { tag: "Unauthorized" } });
      expect(bad.error?.message).toMatch(/token/);
      const good = await raw.request("auth/connect", { token: alice.token });
      expect(good.result.principal.agentId).toBe(alice.id);
    });

    it("is a Conflict the second time on an authenticated socket", async () => {
      const alice = await t.agent();
      const { raw } = await rawAuthed(t, alice.token);
      const again = await raw.request("auth/connect", { token: alice.token });
      expect(again.error).toMatchObject({ code: -32003, data: { tag: "Conflict", reason: "already_authenticated" } });
    });

    it("is ProtocolMismatch with data.serverVersion when the window excludes 1", async () => {
      const alice = await t.agent();
      const raw = await t.raw();
      for (const window of [{ minProtocol: "2" }, { maxProtocol: "0" }, { minProtocol: "2", maxProtocol: "5" }]) {
        const answer = await raw.request("auth/connect", { token: alice.token, ...window });
        expect(answer.error).toMatchObject({ code: -32008, data: { tag: "ProtocolMismatch", serverVersion: "1" } });
      }
      const ok = await raw.request("auth/connect", { token: alice.token, minProtocol: "1", maxProtocol: "3" });
      expect(ok.result.protocolVersion).toBe("1");
    });

    it("refuses a malformed protocol version with InvalidParams at its path", async () => {
      const alice = await t.agent();
      const raw = await t.raw();
      const answer = await raw.request("auth/connect", { token: alice.token, minProtocol: 1 });
      expect(answer.error?.data.tag).toBe("InvalidParams");
      expect(answer.error?.data.issues).toContainEqual(expect.objectContaining({ path: ["minProtocol"] }));
    });
  });

  describe("before authentication", () => {
    it("serves auth/register, system/ping and rpc.discover", async () => {
      const raw = await t.raw();
      const ping = await raw.request("system/ping", {});
      expect(ping.result.now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const discover = await raw.request("rpc.discover");
      expect(discover.result.openrpc).toBeDefined();
      // Registration is closed on this hub: the method runs (Forbidden), it is not Unauthorized.
      const register = await raw.request("auth/register", { name: "early-bird" });
      expect(register.error?.data.tag).toBe("Forbidden");
    });

    it("answers everything else Unauthorized, saying what to do", async () => {
      const raw = await t.raw();
      for (const [method, params] of [
        ["task/list", {}],
        ["messages/send", { taskId: "tsk_x", conversationId: "cnv_x", parts: [{ type: "text", text: "hi" }] }],
        ["events/replay", { after: "0" }],
        ["admin/app/create", { name: "x" }],
        ["presence/subscribe", { agentIds: [] }],
      ] as const) {
        const answer = await raw.request(method, params);
        expect(answer.error, method).toMatchObject({ code: -32000, data: { tag: "Unauthorized" } });
        expect(answer.error?.message).toMatch(/auth\/connect/);
      }
    });

    it("answers a method that does not exist MethodNotFound, not Unauthorized: there is nothing to authorize", async () => {
      const raw = await t.raw();
      expect((await raw.request("no/such/method", {})).error?.data.tag).toBe("MethodNotFound");
    });

    it("closes a socket that has not authenticated in time with 4401", async () => {
      const quick = await TestHub.start({ authTimeoutMs: 300 });
      try {
        const alice = await quick.agent();
        const authed = await rawAuthed(quick, alice.token);
        // Opened after the authenticated one: when they close, its deadline has passed too.
        const idle = await quick.raw();
        const pinging = await quick.raw();
        // A ping is allowed before authenticating, but does not count as authenticating.
        pinging.send({ jsonrpc: "2.0", id: "ping", method: "system/ping" });
        expect((await idle.closed).code).toBe(4401);
        expect((await pinging.closed).code).toBe(4401);
        expect((await idle.closed).reason).toMatch(/authenticated/);
        // The authenticated socket outlives the deadline.
        expect((await authed.raw.request("system/ping", {})).result).toBeDefined();
      } finally {
        await quick.stop();
      }
    });
  });

  describe("token rotation", () => {
    it("stops the old token at once and closes its open sockets", async () => {
      const alice = await t.connectedAgent();
      const bearer = await t.raw({ authorization: `Bearer ${alice.token}` });
      const closed = nextClose(alice.client);
      const admin = await t.admin();
      const { token } = await admin.call("admin/token/rotate", { principalId: alice.id });
      expect(token).toMatch(new RegExp(`^sb_agent\\.${alice.id}\\.[A-Za-z0-9_-]{32,}$`));
      expect(await closed).toBe(4401);
      expect((await bearer.closed).code).toBe(4401);

      const raw = await t.raw();
      expect((await raw.request("auth/connect", { token: alice.token })).error?.data.tag).toBe("Unauthorized");
      expect(await upgradeStatus(t, { authorization: `Bearer ${alice.token}` })).toBe(401);
      expect((await postRpc(t, { jsonrpc: "2.0", id: 1, method: "task/list" }, alice.token)).status).toBe(401);
      const fresh = await t.connect(token);
      expect(fresh.principal).toMatchObject({ agentId: alice.id });
    });

    it("closes the old token's sockets when rotated over POST /rpc too", async () => {
      const alice = await t.connectedAgent();
      const closed = nextClose(alice.client);
      const answer = await postRpc(
        t,
        { jsonrpc: "2.0", id: 1, method: "admin/token/rotate", params: { principalId: alice.id } },
        t.adminToken,
      );
      expect(answer.body.result.token).toMatch(/^sb_agent\./);
      expect(await closed).toBe(4401);
    });

    it("rotates app and user tokens", async () => {
      const app = await t.connectedApp();
      const user = await t.user();
      const admin = await t.admin();
      const closed = nextClose(app.client);
      const forApp = await admin.call("admin/token/rotate", { principalId: app.id });
      const forUser = await admin.call("admin/token/rotate", { principalId: user.id });
      expect(await closed).toBe(4401);
      await rejects(t.connect(app.token), "Unauthorized");
      await rejects(t.connect(user.token), "Unauthorized");
      expect((await t.connect(forApp.token)).principal).toMatchObject({ appId: app.id });
      expect((await t.connect(forUser.token)).principal).toMatchObject({ userId: user.id });
    });
  });

  describe("suspension (10.5)", () => {
    it("closes every socket of the agent with 4403 and refuses it with Forbidden until unsuspended", async () => {
      const alice = await t.connectedAgent();
      const second = await t.connect(alice.token);
      const closes = [nextClose(alice.client), nextClose(second)];
      const admin = await t.admin();
      const { agent } = await admin.call("admin/agent/suspend", { agentId: alice.id });
      expect(agent.status).toBe("suspended");
      expect(await Promise.all(closes)).toEqual([4403, 4403]);

      const err = await rejects(t.connect(alice.token), "Forbidden");
      expect(dataOf(err).reason).toBe("suspended");
      expect(err.message).toMatch(/unsuspend/);
      const overHttp = await postRpc(t, { jsonrpc: "2.0", id: 1, method: "task/list" }, alice.token);
      expect(overHttp.status).toBe(403);
      expect(overHttp.body.error.data).toMatchObject({ tag: "Forbidden", reason: "suspended" });

      const lifted = await admin.call("admin/agent/unsuspend", { agentId: alice.id });
      expect(lifted.agent.status).toBe("active");
      const back = await t.connect(alice.token);
      expect(await back.call("task/list", {})).toEqual({ items: [] });
    });
  });

  describe("auth/register", () => {
    it("is Forbidden while registration is closed (the default)", async () => {
      const raw = await t.raw();
      const answer = await raw.request("auth/register", { name: "closed-door" });
      expect(answer.error?.data).toMatchObject({ tag: "Forbidden", reason: "registration_closed" });
      expect(answer.error?.message).toMatch(/admin/);
    });

    it("creates an agent whose token works when registration is open; names are unique", async () => {
      const open = await TestHub.start({ registration: "open" });
      try {
        const raw = await open.raw();
        const made = await raw.request("auth/register", { name: "self-made", displayName: "Self Made" });
        expect(made.result.agent).toMatchObject({
          name: "self-made",
          displayName: "Self Made",
          status: "active",
          did: `did:switchboard:${made.result.agent.id}`,
        });
        expect(made.result.agent.id).toMatch(/^agt_/);
        expect(made.result.token).toMatch(/^sb_agent\./);
        const client = await open.connect(made.result.token);
        expect(client.principal).toEqual({ type: "agent", agentId: made.result.agent.id, name: "self-made" });

        const again = await raw.request("auth/register", { name: "self-made" });
        expect(again.error?.data).toMatchObject({ tag: "Conflict", reason: "name_taken" });
        // A name taken by an admin-made agent is taken too.
        const byAdmin = await open.agent({ name: "admin-made" });
        expect(byAdmin.record.name).toBe("admin-made");
        expect((await raw.request("auth/register", { name: "admin-made" })).error?.data.tag).toBe("Conflict");
      } finally {
        await open.stop();
      }
    });

    it("checks names against ^[a-z0-9][a-z0-9_-]{1,30}[a-z0-9]$", async () => {
      const open = await TestHub.start({ registration: "open" });
      try {
        const raw = await open.raw();
        for (const name of ["ab", "-abc", "abc-", "Abc", "a.b.c", "a b c", "x".repeat(33), ""]) {
          const answer = await raw.request("auth/register", { name });
          expect(answer.error?.data.tag, name).toBe("InvalidParams");
          expect(answer.error?.data.issues[0].path).toEqual(["name"]);
        }
        for (const name of ["abc", "a_b-c", "0ab", "x".repeat(32)]) {
          const answer = await raw.request("auth/register", { name });
          expect(answer.result?.agent.name, name).toBe(name);
        }
      } finally {
        await open.stop();
      }
    });

    it("needs the matching secret when registration is secret", async () => {
      const secret = await TestHub.start({ registration: "secret", registrationSecret: "open-sesame" });
      try {
        const raw = await secret.raw();
        const missing = await raw.request("auth/register", { name: "no-secret" });
        expect(missing.error?.data).toMatchObject({ tag: "Forbidden", reason: "bad_registration_secret" });
        const wrong = await raw.request("auth/register", { name: "wrong-secret", registrationSecret: "open-sesam" });
        expect(wrong.error?.data.tag).toBe("Forbidden");
        const right = await raw.request("auth/register", { name: "right-secret", registrationSecret: "open-sesame" });
        expect(right.result.agent.name).toBe("right-secret");
        expect((await secret.connect(right.result.token)).principal).toMatchObject({ name: "right-secret" });
      } finally {
        await secret.stop();
      }
    });
  });
});
