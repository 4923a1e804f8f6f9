import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connect, ConnectionLost } from "../../client/index.ts";
import { RawSocket, type Frame } from "../helpers/raw.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import { crashRounds } from "./lib/crash.ts";

describe("crash safety: SIGKILL at random moments loses nothing acknowledged", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-crash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every acknowledged message, gapless seqs, complete event logs and an intact database across kills", async () => {
    const report = await crashRounds({ rounds: Number(process.env.SB_CRASH_ROUNDS ?? 3), seed: 7, dir });
    expect(report.problems).toEqual([]);
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.listenerReceived).toBe(report.acknowledged);
    expect(report.messagesStored).toBe(report.acknowledged);
  }, 120_000);
});

describe("crash safety: a task waiting for its app's verdict at the crash", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-orphan-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails as timed out when the hub starts again, and its initiator is told (it stayed waiting forever)", async () => {
    const db = join(dir, "hub.db");
    const adminToken = newAdminToken();
    const port = await freePort();
    let hub = await ChildHub.start({ db, port, adminToken });
    const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
    const { app, token: appToken } = await admin.call("admin/app/create", { name: "silent" });
    const { token: agentToken } = await admin.call("admin/agent/create", { name: "initiator" });
    await admin.close();
    // The app takes the task/create callback and never answers it.
    const appSocket = await RawSocket.open(hub.wsUrl, { authorization: `Bearer ${appToken}` });
    const agent = await connect({ url: hub.wsUrl, token: agentToken, reconnect: false });
    const outcome = agent.call("task/request", { appId: app.id, invitedAgentIds: [] }).catch((e: unknown) => e);
    const callback = (await appSocket.next((f) => !Array.isArray(f) && f.method === "task/create")) as Frame;
    const taskId = (callback.params as { task: { id: string } }).task.id;
    await hub.kill("SIGKILL");
    expect(await outcome).toBeInstanceOf(ConnectionLost);

    hub = await ChildHub.start({ db, port, adminToken });
    const again = await connect({ url: hub.wsUrl, token: agentToken, reconnect: false });
    const { task } = await again.call("task/get", { taskId });
    expect(task).toMatchObject({ status: "failed", failureReason: "timeout" });
    const replay = await again.call("events/replay", { after: "0" });
    expect(replay.items.map((i) => [i.method, i.params.taskId, i.params.reason])).toContainEqual([
      "task/failed",
      taskId,
      "timeout",
    ]);
    await again.close();
    await appSocket.close();
    await hub.kill("SIGTERM");
  }, 60_000);
});
