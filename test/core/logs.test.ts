import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../client/index.ts";
import { resolveConfig } from "../../server/config.ts";
import { startHub } from "../../server/hub.ts";
import { createLogger } from "../../server/logger.ts";
import { rejects } from "../helpers/expect.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import { freshDatabase, testEngine } from "../helpers/postgres.ts";

/**
 * Issue 13, item 6: the log tells the story of connections (opened and
 * closed, with principal, address and close code), refused tokens and
 * callbacks; JSON by default, pretty with --log-format pretty.
 */
describe("logs that tell the story", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-logs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("connections opened and closed, a refused token, a callback and its outcome", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const adminToken = newAdminToken();
    const db = testEngine() === "postgres" ? await freshDatabase() : join(dir, "hub.db");
    const config = resolveConfig({}, {}, { host: "127.0.0.1", port: 0, db, logLevel: "debug", adminToken });
    const hub = await startHub(config, { log: createLogger("debug", sink) });
    let agentId = "";
    let appId = "";
    try {
      const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
      await rejects(connect({ url: hub.wsUrl, token: `${adminToken}x`, reconnect: false }), "Unauthorized");
      const { app, token: appToken } = await admin.call("admin/app/create", { name: "logged-app" });
      const { agent, token: agentToken } = await admin.call("admin/agent/create", { name: "logged-agent" });
      [agentId, appId] = [agent.id, app.id];
      const appClient = await connect({ url: hub.wsUrl, token: appToken, reconnect: false });
      appClient.handle("task/create", () => ({ verdict: "reject", reason: "not today" }));
      const agentClient = await connect({ url: hub.wsUrl, token: agentToken, reconnect: false });
      await rejects(agentClient.call("task/request", { appId: app.id, invitedAgentIds: [] }), "TaskRejected");
      await agentClient.close();
      await appClient.close();
      await admin.close();
    } finally {
      await hub.close();
    }
    const msgs = (m: string) => lines.filter((l) => l.msg === m);
    const opened = msgs("connection opened");
    expect(opened.length).toBeGreaterThanOrEqual(4);
    for (const l of opened) expect(l).toMatchObject({ level: 30, address: "127.0.0.1" });
    const closed = msgs("connection closed");
    expect(closed.map((l) => l.principal)).toEqual(expect.arrayContaining([agentId, appId, "admin"]));
    for (const l of closed) expect(l).toMatchObject({ address: "127.0.0.1", code: expect.any(Number) });
    expect(msgs("authentication refused")).toEqual([expect.objectContaining({ reason: "invalid" })]);
    expect(msgs("callback sent")).toEqual([expect.objectContaining({ level: 20, appId, method: "task/create" })]);
    expect(msgs("callback answered")).toEqual([expect.objectContaining({ appId, method: "task/create" })]);
    // No token, not even the refused one, reaches the log.
    expect(JSON.stringify(lines)).not.toContain(adminToken.split(".")[2]);
  });

  it("warns when --host binds beyond loopback without --public-url https://…", async () => {
    const warnings = async (overrides: Record<string, unknown>) => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
          done();
        },
      });
      const db =
        testEngine() === "postgres" ? await freshDatabase() : join(dir, `host-${lines.length}-${Date.now()}.db`);
      const config = resolveConfig(
        {},
        {},
        { port: 0, db, logLevel: "info", adminToken: newAdminToken(), ...overrides },
      );
      const hub = await startHub(config, { log: createLogger("info", sink) });
      await hub.close();
      return lines.filter((l) => l.level === 40).map((l) => String(l.msg));
    };
    expect(await warnings({ host: "0.0.0.0" })).toEqual([expect.stringMatching(/without TLS.*--public-url https:/)]);
    expect(await warnings({ host: "0.0.0.0", publicUrl: "https://hub.example.com" })).toEqual([]);
    expect(await warnings({ host: "127.0.0.1" })).toEqual([]);
  });

  it("--log-format pretty: one readable line per event, not JSON", async () => {
    const hub = await ChildHub.start({
      db: join(dir, "pretty.db"),
      port: await freePort(),
      adminToken: newAdminToken(),
      logLevel: "info",
      flags: { "log-format": "pretty" },
    });
    await hub.kill("SIGTERM");
    const out = hub.output.join("");
    expect(out).toMatch(/INFO.*listening/);
    expect(out).not.toMatch(/^\{"level"/m);
  });
});
