import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestHub } from "../helpers/hub.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import type { Frame } from "../helpers/raw.ts";
import { eventLog, nextClose, postRpc, rawAuthed, say } from "../helpers/scenario.ts";
import { connect } from "../../client/index.ts";

/** Graceful shutdown: calls in flight are answered, sockets close with 1001, the database is closed. */

describe("graceful shutdown", () => {
  it("answers calls in flight, closes sockets with 1001, closes the database; a restart sees everything", async () => {
    const t = await TestHub.start();
    try {
      const [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
      const app = await t.app();
      const { raw: appSocket } = await rawAuthed(t, app.token);

      // A call in flight: task/request waits for the app's verdict while the hub starts to shut down.
      const requested = alice.client.call("task/request", {
        appId: app.id,
        invitedAgentIds: [bob.id],
        initialConversation: {},
      });
      const callback = (await appSocket.next((f) => !Array.isArray(f) && f.method === "task/create")) as Frame;
      const closes = [nextClose(alice.client), nextClose(bob.client)];
      const stopping = t.hub.close();
      appSocket.send({ jsonrpc: "2.0", id: callback.id, result: { verdict: "accept" } });
      const { task, conversation } = await requested;
      expect(task.status).toBe("active");

      expect(await Promise.all(closes)).toEqual([1001, 1001]);
      expect((await appSocket.closed).code).toBe(1001);
      await stopping;
      expect(await t.hub.storage.ping()).toBe(false);

      await t.restart();
      const alice2 = await t.connect(alice.token);
      const bob2 = await t.connect(bob.token);
      expect((await alice2.call("task/get", { taskId: task.id })).task.status).toBe("active");
      expect((await eventLog(bob2)).map((e) => e.method)).toEqual(["task/created", "agent/conversation/created"]);
      const message = await say({ client: alice2 }, { task, conversation: conversation! }, "after");
      expect(message.seq).toBe(1);
    } finally {
      await t.stop();
    }
  });

  it("answers a POST /rpc call in flight too", async () => {
    const t = await TestHub.start();
    try {
      const [alice, bob] = await Promise.all([t.agent(), t.agent()]);
      const app = await t.app();
      const { raw: appSocket } = await rawAuthed(t, app.token);
      const requested = postRpc(
        t,
        { jsonrpc: "2.0", id: 1, method: "task/request", params: { appId: app.id, invitedAgentIds: [bob.id] } },
        alice.token,
      );
      const callback = (await appSocket.next((f) => !Array.isArray(f) && f.method === "task/create")) as Frame;
      const stopping = t.hub.close();
      appSocket.send({ jsonrpc: "2.0", id: callback.id, result: { verdict: "accept" } });
      const answer = await requested;
      expect(answer.status).toBe(200);
      expect(answer.body.result.task.status).toBe("active");
      await stopping;
      await t.restart();
      const bob2 = await t.connect(bob.token);
      expect((await bob2.call("task/list", {})).items.map((x) => x.id)).toEqual([answer.body.result.task.id]);
    } finally {
      await t.stop();
    }
  });

  describe("on SIGTERM, the hub run with npm start's command", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-sigterm-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("closes its sockets with 1001 and exits 0", async () => {
      const adminToken = newAdminToken();
      const child = await ChildHub.start({
        db: join(dir, "hub.db"),
        port: await freePort(),
        adminToken,
        logLevel: "silent",
      });
      try {
        const wsUrl = child.wsUrl;
        const admin = await connect({ url: wsUrl, token: adminToken, reconnect: false });
        const closed = nextClose(admin);
        const exited = child.kill("SIGTERM");
        expect(await closed).toBe(1001);
        expect((await exited).code).toBe(0);
      } finally {
        await child.kill("SIGKILL");
      }
    }, 60_000);
  });
});
