import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connect, RpcError, type SwitchboardClient } from "../../client/index.ts";
import { ChildHub, freePort, newAdminToken } from "../helpers/child-hub.ts";
import { checkEventLogs, checkStore, type Acked } from "./lib/crash.ts";
import { integrity, openReadOnly } from "./lib/state.ts";

describe("graceful shutdown under load", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-shutdown-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("on SIGTERM answers or leaves unexecuted every call, closes sockets with 1001, exits 0 and loses nothing", async () => {
    const db = join(dir, "hub.db");
    const adminToken = newAdminToken();
    const port = await freePort();
    const start = () =>
      ChildHub.start({ db, port, adminToken, logLevel: "info", flags: { "shutdown-grace-ms": "5000" } });
    let hub = await start();
    const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
    const agents = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) => {
        const { agent, token } = await admin.call("admin/agent/create", { name: `worker-${i}` });
        return { id: agent.id as string, token };
      }),
    );
    await admin.close();
    const clients: SwitchboardClient[] = await Promise.all(
      agents.map((a) => connect({ url: hub.wsUrl, token: a.token, reconnect: false })),
    );
    const closes: number[] = [];
    for (const c of clients) c.onConnection((e) => e.type === "closed" && closes.push(e.code));
    const places: Array<{ taskId: string; conversationId: string }> = [];
    for (let i = 0; i < agents.length; i += 2) {
      const { task, conversation } = await clients[i]!.call("task/request", {
        invitedAgentIds: [agents[i + 1]!.id],
        initialConversation: {},
      });
      places.push({ taskId: task.id, conversationId: conversation!.id });
    }

    const acked = new Map<string, Acked>();
    const unanswered: string[] = [];
    let sigtermAt = Number.POSITIVE_INFINITY;
    let answeredAfterSigterm = 0;
    let n = 0;
    const lanes = clients.flatMap((client, ci) =>
      [0, 1, 2, 3].map(async () => {
        const place = places[Math.floor(ci / 2)]!;
        while (client.connected) {
          const clientMessageId = `${ci}-${++n}`;
          try {
            const { message } = await client.call("messages/send", {
              ...place,
              parts: [{ type: "text", text: `load ${clientMessageId}` }],
              clientMessageId,
            });
            acked.set(clientMessageId, { id: message.id, seq: message.seq, conversationId: message.conversationId });
            if (performance.now() > sigtermAt) answeredAfterSigterm++;
          } catch (err) {
            if (err instanceof RpcError) throw err;
            unanswered.push(clientMessageId);
            return;
          }
        }
      }),
    );
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 10));
    sigtermAt = performance.now();
    const exit = await hub.kill("SIGTERM");
    const shutdownMs = performance.now() - sigtermAt;
    await Promise.all(lanes);

    expect(exit.code).toBe(0);
    expect(closes.length).toBe(clients.length);
    expect(new Set(closes)).toEqual(new Set([1001]));
    expect(hub.output.join("")).toContain('"msg":"stopped"');
    // The calls in flight at the signal were answered; then, well inside the grace period, the sockets closed.
    expect(answeredAfterSigterm).toBeGreaterThan(0);
    expect(shutdownMs).toBeLessThan(5000);

    hub = await start();
    const ro = openReadOnly(db);
    try {
      expect(integrity(ro)).toBe("ok");
      expect(checkStore(ro, acked, 0)).toEqual([]);
      expect(
        checkEventLogs(
          ro,
          agents.map((a) => a.id),
          0,
        ),
      ).toEqual([]);
      // A call left unanswered by the shutdown was not executed, so it is safe to retry.
      const byClientId = ro.prepare<[string], { id: string }>("SELECT id FROM messages WHERE client_message_id = ?");
      expect(unanswered.filter((id) => byClientId.get(id) !== undefined)).toEqual([]);
      expect(ro.prepare<[], number>("SELECT count(*) FROM messages").pluck().get()).toBe(acked.size);
    } finally {
      ro.close();
    }
    await hub.kill("SIGTERM");
  }, 60_000);
});
