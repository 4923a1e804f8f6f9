import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../client/index.ts";
import type { Message } from "../../protocol/index.ts";
import { ChildHub, freePort } from "../helpers/child-hub.ts";
import { TestCluster } from "../helpers/cluster.ts";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { eventLog, openTask, text, until } from "../helpers/scenario.ts";

/** A TCP relay to the database that the test can cut and restore, as a network or a server failure would. */
class Relay {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}
  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on("close", () => this.open.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.server = server;
  }
  async down(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

describe("node failures on PostgreSQL (section 11)", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(1);
  });
  afterAll(() => c.stop());

  it("a node killed mid-traffic loses nothing it acknowledged; its clients resume on another node", async () => {
    const port = await freePort();
    const doomed = await ChildHub.start({ db: c.db, port, adminToken: c.adminToken, flags: { "poll-ms": "200" } });
    try {
      const survivor = c.node(0);
      const sender = await survivor.agent();
      const reader = await survivor.agent();
      const senderClient = await connect({ url: doomed.wsUrl, token: sender.token, reconnect: false });
      const readerClient = await connect({ url: doomed.wsUrl, token: reader.token, reconnect: false });
      const room = await openTask({ client: senderClient }, [{ id: reader.id }]);
      const seen: string[] = [];
      let lastCursor = "0";
      readerClient.on("message/received", (p) => {
        seen.push(p.message.id);
        lastCursor = p.cursor;
      });
      const acknowledged: Message[] = [];
      let stop = false;
      const traffic = (async () => {
        for (let i = 0; !stop; i++) {
          const sent = await senderClient
            .call("messages/send", {
              taskId: room.task.id,
              conversationId: room.conversation.id,
              parts: text(`before the kill ${i}`),
            })
            .then((r) => r.message)
            .catch(() => undefined);
          if (!sent) return;
          acknowledged.push(sent);
        }
      })();
      await until(() => acknowledged.length >= 30, "some acknowledged traffic", 20_000);
      await doomed.kill("SIGKILL");
      stop = true;
      await traffic;

      // Everything acknowledged is there, seen from the surviving node.
      const senderHere = await survivor.connect(sender.token);
      const stored = await senderHere.call("messages/list", {
        taskId: room.task.id,
        conversationId: room.conversation.id,
        afterSeq: 0,
        limit: 200,
      });
      const storedIds = new Set(stored.items.map((m) => m.id));
      for (const m of acknowledged) expect(storedIds.has(m.id)).toBe(true);

      // The reader resumes on the other node from the last cursor it saw, and misses nothing.
      const readerHere = await survivor.connect(reader.token);
      const rest = (await eventLog(readerHere, lastCursor)).filter((e) => e.method === "message/received");
      const all = [...seen, ...rest.map((e) => (e.params.message as Message).id)];
      expect(all).toEqual(stored.items.map((m) => m.id));
      for (const m of acknowledged) expect(all).toContain(m.id);
      await senderClient.close();
      await readerClient.close();
    } finally {
      await doomed.kill("SIGKILL");
    }
  }, 60_000);

  it("a node that loses its database answers /healthz 503 and Unavailable, then recovers by itself", async () => {
    const db = new URL(c.db);
    const relay = new Relay(await freePort(), { host: db.hostname, port: Number(db.port) });
    await relay.up();
    const viaRelay = new URL(c.db);
    viaRelay.port = String(relay.port);
    const node = await TestHub.start({ db: viaRelay.toString(), adminToken: c.adminToken, pollMs: 200 });
    try {
      const agent = await node.connectedAgent();
      expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
      const made = await (await node.admin()).call("admin/a2a-client/create", { name: `failing-${Date.now()}` });
      const a2a = () =>
        fetch(`${node.url}/a2a/${agent.record.name}`, {
          method: "POST",
          headers: { authorization: `Bearer ${made.token}`, "a2a-version": "1.0", "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "GetTask", params: { id: "tsk_x" } }),
        });

      await relay.down();
      expect((await fetch(`${node.url}/healthz`)).status).toBe(503);
      const err = await rejects(agent.client.call("task/list", {}), "Unavailable");
      expect(err.code).toBe(-32039);
      expect(err.data).toMatchObject({ retryAfterMs: expect.any(Number) });
      // The A2A edge too: UNAVAILABLE with 503 and Retry-After, not a 500 (issue 9).
      const edge = await a2a();
      const body = (await edge.json()) as { error: { code: number; data: Array<{ reason: string }> } };
      expect([edge.status, edge.headers.get("retry-after"), body.error.data[0]!.reason]).toEqual([
        503,
        "1",
        "UNAVAILABLE",
      ]);
      const card = await fetch(`${node.url}/.well-known/agent-card.json`);
      expect(card.status).toBe(503);

      await relay.up();
      const healthy = async () => (await fetch(`${node.url}/healthz`)).status === 200;
      for (let i = 0; i < 100 && !(await healthy()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await healthy()).toBe(true);
      await agent.client.call("task/list", {});
    } finally {
      await node.stop();
      await relay.down();
    }
  }, 60_000);
});
