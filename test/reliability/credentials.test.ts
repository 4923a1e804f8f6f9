import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type SwitchboardClient } from "../../client/index.ts";
import { resolveConfig } from "../../server/config.ts";
import { startHub, type RunningHub } from "../../server/hub.ts";
import { createLogger } from "../../server/logger.ts";
import { parseToken } from "../../server/tokens.ts";
import { TestHub } from "../helpers/hub.ts";
import { RawSocket } from "../helpers/raw.ts";
import { rejects, sleep } from "../helpers/expect.ts";
import { ChildHub, freePort } from "../helpers/child-hub.ts";
import { httpCall } from "./lib/rpc.ts";

const secretOf = (token: string): string => parseToken(token)!.secret;

/** Every value stored anywhere in the database, as text or bytes. */
const everyStoredValue = async (t: TestHub): Promise<Array<{ table: string; value: string | Buffer }>> => {
  const out: Array<{ table: string; value: string | Buffer }> = [];
  const tables = await t.query<{ name: string }>(
    t.hub.storage.engine === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table'"
      : "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()",
  );
  for (const { name: table } of tables) {
    for (const row of await t.query(`SELECT * FROM "${table}"`)) {
      for (const v of Object.values(row))
        if (typeof v === "string" || Buffer.isBuffer(v)) out.push({ table, value: v });
    }
  }
  return out;
};

describe("credentials at rest and in use", () => {
  let t: TestHub;
  const registrationSecret = `reg-${randomBytes(16).toString("hex")}`;
  beforeAll(async () => {
    t = await TestHub.start({ registration: "secret", registrationSecret });
  });
  afterAll(() => t.stop());

  it("stores only the SHA-256 of each secret; no token or secret is stored anywhere", async () => {
    const agent = await t.agent();
    const app = await t.app();
    const user = await t.user();
    const anon = await t.raw();
    const registered = (await anon.request("auth/register", { name: `reg-${Date.now()}`, registrationSecret }))
      .result as {
      agent: { id: string };
      token: string;
    };
    const rotated = (await (await t.admin()).call("admin/token/rotate", { principalId: app.id })).token;
    const tokens = [agent.token, app.token, user.token, registered.token, rotated, t.adminToken];

    const credential = async (id: string) =>
      (await t.query<{ secret_hash: Buffer }>("SELECT secret_hash FROM credentials WHERE principal_id = ?", id))[0];
    for (const token of [agent.token, user.token, registered.token, rotated, t.adminToken]) {
      const { id, secret } = parseToken(token)!;
      const stored = (await credential(id))!.secret_hash;
      expect(stored.length).toBe(32);
      expect(stored.equals(createHash("sha256").update(secret).digest())).toBe(true);
    }
    const stored = await everyStoredValue(t);
    expect(stored.length).toBeGreaterThan(20);
    for (const needle of [...tokens.map(secretOf), registrationSecret]) {
      const found = stored.filter(({ value }) => value.includes(needle)).map(({ table }) => table);
      expect(found, `a secret is stored in ${found.join(", ")}`).toEqual([]);
    }
  });

  it("refuses an unknown id, a wrong secret, a wrong kind and a malformed token alike, telling nothing apart", async () => {
    const agent = await t.agent();
    const { id, secret } = parseToken(agent.token)!;
    const forged = [
      `sb_agent.agt_doesnotexist000.${secret}`,
      `sb_agent.${id}.${randomBytes(32).toString("base64url")}`,
      `sb_app.${id}.${secret}`,
      `sb_agent.${id}.${secret.slice(0, 20)}`,
      "not a token at all",
    ];
    const answers = await Promise.all(
      forged.map(async (token) => {
        const raw = await t.raw();
        const err = (await raw.request("auth/connect", { token })).error!;
        const upgrade = await RawSocket.open(t.wsUrl, { authorization: `Bearer ${token}` }).then(
          () => 0,
          (e: { status?: number }) => e.status,
        );
        const http = await httpCall(t.url, token, "system/ping");
        // Each request has its own id, echoed (10.24): compare the rest.
        return { err, upgrade, http: { status: http.status, body: { ...http.frame, id: undefined } } };
      }),
    );
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.err.data).toEqual({ tag: "Unauthorized", reason: "invalid_token" });
    expect(answers[0]!.upgrade).toBe(401);
    expect(answers[0]!.http.status).toBe(401);
  });

  it("rotation stops the old token at once on every path and closes every socket it opened, whatever the principal type", async () => {
    const admin = await t.admin();
    for (const made of [await t.agent(), await t.app(), await t.user()]) {
      const viaConnect = await t.connect(made.token);
      const viaBearer = await t.raw({ authorization: `Bearer ${made.token}` });
      const closed: number[] = [];
      viaConnect.onConnection((e) => e.type === "closed" && closed.push(e.code));
      const { token } = await admin.call("admin/token/rotate", { principalId: made.id });

      expect((await viaBearer.closed).code).toBe(4401);
      while (closed.length === 0) await sleep(5);
      expect(closed).toEqual([4401]);
      await rejects(t.connect(made.token), "Unauthorized");
      expect(
        await RawSocket.open(t.wsUrl, { authorization: `Bearer ${made.token}` }).then(
          () => 0,
          (e: { status?: number }) => e.status,
        ),
      ).toBe(401);
      expect((await httpCall(t.url, made.token, "system/ping")).status).toBe(401);
      expect((await t.connect(token)).connected).toBe(true);
    }
  });
});

describe("tokens never reach the log", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-log-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("logs nothing secret at trace level while tokens are issued, used, refused, rotated and misplaced", async () => {
    let log = "";
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    const adminToken = `sb_admin.admin.${randomBytes(32).toString("base64url")}`;
    const registrationSecret = `reg-${randomBytes(16).toString("hex")}`;
    const config = resolveConfig(
      {},
      {},
      {
        host: "127.0.0.1",
        port: 0,
        db: join(dir, "hub.db"),
        logLevel: "trace",
        adminToken,
        registration: "secret",
        registrationSecret,
        maxJsonDepth: 1_000_000,
        callbackTimeoutMs: 300,
      },
    );
    const hub: RunningHub = await startHub(config, { log: createLogger("trace", capture) });
    const secrets: string[] = [secretOf(adminToken), registrationSecret];
    const clients: SwitchboardClient[] = [];
    const open = async (token: string) => {
      const c = await connect({ url: hub.wsUrl, token, reconnect: false });
      clients.push(c);
      return c;
    };
    try {
      const admin = await open(adminToken);
      const { agent, token: agentToken } = await admin.call("admin/agent/create", { name: "logged-agent" });
      const { app, token: appToken } = await admin.call("admin/app/create", { name: "logged-app" });
      const { token: userToken } = await admin.call("admin/user/create", { name: "logged-user" });
      secrets.push(...[agentToken, appToken, userToken].map(secretOf));

      const appClient = await open(appToken);
      // An app that answers the hub's callback with a token in a malformed verdict.
      appClient.handle("task/create", () => ({ verdict: "accept", token: appToken }) as never);
      const agentClient = await open(agentToken);
      await agentClient.call("task/request", { appId: app.id, invitedAgentIds: [] }).catch(() => undefined);

      const raw = await RawSocket.open(hub.wsUrl);
      const registered = await raw.request("auth/register", { name: "logged-reg", registrationSecret });
      secrets.push(secretOf(registered.result.token as string));
      await raw.request("auth/register", { name: "logged-reg-2", registrationSecret: `${registrationSecret}x` });
      await raw.request("auth/connect", { token: `${agentToken}x` });
      await raw.request("auth/connect", { token: agentToken, resumeAfter: "0" });
      await raw.request("auth/connect", { token: agentToken });
      // Tokens where they do not belong: unknown fields, ids, callback answers, garbage, a deep value.
      await raw.request("system/ping", { token: agentToken });
      raw.send({ jsonrpc: "2.0", id: agentToken, result: { token: agentToken } });
      raw.send(`{"token":"${agentToken}"`);
      raw.send(
        `{"jsonrpc":"2.0","id":"deep","method":"task/get","params":{"taskId":${"[".repeat(20_000)}"${agentToken}"${"]".repeat(20_000)}}}`,
      );
      await raw.next((f) => !Array.isArray(f) && f.id === "deep");
      await RawSocket.open(hub.wsUrl, { authorization: `Bearer ${userToken}` }).then((s) => s.close());
      await RawSocket.open(hub.wsUrl, { authorization: `Bearer ${userToken}x` }).catch(() => undefined);
      await httpCall(hub.url, appToken, "system/ping");
      await httpCall(hub.url, `${appToken}x`, "system/ping");
      await admin.call("admin/agent/suspend", { agentId: agent.id });
      await RawSocket.open(hub.wsUrl, { authorization: `Bearer ${agentToken}` }).catch(() => undefined);
      await admin.call("admin/agent/unsuspend", { agentId: agent.id });
      const { token: rotated } = await admin.call("admin/token/rotate", { principalId: agent.id });
      secrets.push(secretOf(rotated));
      await open(rotated);
      await raw.close();
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await hub.close();
    }

    const lines = log.trim().split("\n");
    expect(lines.length).toBeGreaterThan(4);
    expect(log).toContain("call failed outside its handler");
    expect(log).toContain("response to no pending callback");
    for (const secret of secrets) expect(log.includes(secret), "a secret was logged").toBe(false);
  });

  it("switchboard serve prints a generated admin token once, on its own line, and logs nothing secret", async () => {
    const hub = await ChildHub.start({
      db: join(dir, "cli.db"),
      port: await freePort(),
      adminToken: undefined,
      logLevel: "trace",
    });
    const client = await connect({
      url: hub.wsUrl,
      token: "sb_agent.nobody.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      reconnect: false,
    }).catch(() => undefined);
    expect(client).toBeUndefined();
    await hub.kill("SIGTERM");
    const output = hub.output.join("");
    const token = /Admin token \(shown once[^)]*\): (\S+)/.exec(output)?.[1];
    expect(token).toMatch(/^sb_admin\.admin\./);
    const secret = secretOf(token!);
    expect(output.split(secret).length - 1).toBe(1);
    const jsonLines = output.split("\n").filter((l) => l.startsWith("{"));
    expect(jsonLines.length).toBeGreaterThan(2);
    for (const line of jsonLines) expect(line.includes(secret)).toBe(false);
  });
});
