import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { WebSocketServer, type WebSocket } from "ws";
import { stampedText } from "./lib/wire.ts";

/**
 * The baseline: a bare `ws` server doing the hub's framing work with no hub
 * logic, so that the hub's figures can be read against what Node and `ws`
 * give on this machine. Every request frame is parsed with JSON.parse and
 * answered with a response of the hub's size and shape, built with
 * JSON.stringify; there is no validation, storage or authorization.
 *
 * - `--mode echo`: the response only (request/response scenarios).
 * - `--mode relay`: the response, and a `message/received`-shaped
 *   notification, serialized once, to every other socket of the sender's group
 *   (`/ws?g=NAME`): a group of 2 is a direct conversation, of 200 a fan-out.
 *
 * `auth/connect` with `_replay: n` is answered, then followed by n
 * notifications pushed with the hub's low-water mark (1 MiB): the baseline of
 * the replay scenario.
 */

const { values } = parseArgs({ options: { port: { type: "string" }, mode: { type: "string" } } });
const port = Number(values.port ?? 0);
const relay = values.mode === "relay";

const LOW_WATER = 1024 * 1024;
let counter = 0;
/** A 16-character id, as long as the hub's nanoids. */
const fakeId = (prefix: string) => `${prefix}${(++counter).toString(36).padStart(16, "0")}`;

interface Peer {
  readonly ws: WebSocket;
  readonly agentId: string;
  readonly group: Set<Peer> | undefined;
  cursor: number;
}

const groups = new Map<string, Set<Peer>>();

const notificationPrefix = '{"jsonrpc":"2.0","method":"message/received","params":{"cursor":"';
const respond = (ws: WebSocket, id: unknown, result: unknown) =>
  ws.send(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}`);

/** A stored-message-shaped object of the benchmark's size. */
const sampleMessage = (seq: number) => ({
  id: fakeId("msg_"),
  taskId: "tsk_0000000000000000",
  conversationId: "cnv_0000000000000000",
  seq,
  senderId: "agt_0000000000000000",
  parts: [{ type: "text", text: stampedText(0) }],
  createdAt: new Date().toISOString(),
});
const pages = new Map<number, unknown[]>();
const pageOf = (limit: number) => {
  let page = pages.get(limit);
  if (!page) {
    page = Array.from({ length: limit }, (_, i) => sampleMessage(i + 1));
    pages.set(limit, page);
  }
  return page;
};

const replay = async (ws: WebSocket, after: number, count: number) => {
  const m = sampleMessage(1);
  const suffix = `",${JSON.stringify({ taskId: m.taskId, conversationId: m.conversationId, message: m }).slice(1)}}`;
  for (let i = 1; i <= count; i++) {
    if (ws.readyState !== ws.OPEN) return;
    const frame = notificationPrefix + (after + i) + suffix;
    if (ws.bufferedAmount > LOW_WATER) await new Promise<void>((resolve) => ws.send(frame, () => resolve()));
    else ws.send(frame);
  }
};

const onRequest = (peer: Peer, text: string) => {
  const msg = JSON.parse(text) as { id?: unknown; method?: string; params?: Record<string, unknown> };
  const p = msg.params ?? {};
  switch (msg.method) {
    case "auth/connect": {
      respond(peer.ws, msg.id, {
        principal: { type: "agent", agentId: peer.agentId, name: "bench-agent" },
        protocolVersion: "1",
        connectionId: fakeId("conn_").slice(0, 17),
        heartbeatMs: 30000,
        cursor: "0",
      });
      if (typeof p._replay === "number") void replay(peer.ws, Number(p.resumeAfter ?? 0), p._replay);
      return;
    }
    case "messages/send": {
      const message = {
        id: fakeId("msg_"),
        taskId: p.taskId,
        conversationId: p.conversationId,
        seq: ++counter,
        senderId: peer.agentId,
        parts: p.parts,
        createdAt: new Date().toISOString(),
      };
      if (relay && peer.group) {
        // serialized once for every recipient, with the cursor spliced in, as the hub does
        const suffix = `",${JSON.stringify({ taskId: p.taskId, conversationId: p.conversationId, message }).slice(1)}}`;
        for (const other of peer.group) {
          if (other !== peer) other.ws.send(notificationPrefix + ++other.cursor + suffix);
        }
      }
      respond(peer.ws, msg.id, { message });
      return;
    }
    case "messages/list":
      respond(peer.ws, msg.id, { items: pageOf(typeof p.limit === "number" ? p.limit : 50) });
      return;
    default:
      respond(peer.ws, msg.id, {});
  }
};

const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false });
const server = createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "application/json" });
  res.end('{"status":"ok"}');
});
server.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url ?? "/", "http://bare");
  if (url.pathname !== "/ws") {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const name = url.searchParams.get("g");
    let group: Set<Peer> | undefined;
    if (name !== null) {
      group = groups.get(name) ?? new Set();
      groups.set(name, group);
    }
    const peer: Peer = { ws, agentId: fakeId("agt_"), group, cursor: 0 };
    group?.add(peer);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) onRequest(peer, (data as Buffer).toString("utf8"));
    });
    ws.on("error", () => {});
    ws.on("close", () => group?.delete(peer));
  });
});
server.listen(port, "127.0.0.1", () => process.stdout.write(`bare ${values.mode} server on ${port}\n`));
process.on("SIGTERM", () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
});
