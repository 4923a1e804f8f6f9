/**
 * One misbehaving client, run as its own process by stress/latency.ts so
 * that its work does not slow the well-behaved clients being measured:
 *
 *   node --import tsx stress/abuse.ts SCENARIO WS_URL TOKEN
 *
 * It misbehaves until SIGTERM, then prints what the hub did to it (close
 * codes, error tags, HTTP statuses) as one JSON line.
 */
import { connect as tcpConnect } from "node:net";
import WebSocket from "ws";

const [scenario, url, token] = process.argv.slice(2) as [string, string, string];
const tally: Record<string, number> = {};
const note = (key: string) => (tally[key] = (tally[key] ?? 0) + 1);
let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
  process.stdout.write(`${JSON.stringify({ scenario, tally })}\n`);
  process.exit(0);
});

const open = (headers: Record<string, string> = {}): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      note(`http ${res.statusCode}`);
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once("error", reject);
  });

const closed = (ws: WebSocket): Promise<void> =>
  new Promise((resolve) =>
    ws.once("close", (code) => {
      note(`close ${code}`);
      resolve();
    }),
  );

const tagsOf = (ws: WebSocket) =>
  ws.on("message", (data) => {
    try {
      const frames = JSON.parse(data.toString()) as unknown;
      for (const f of (Array.isArray(frames) ? frames : [frames]) as Array<{ error?: { data?: { tag?: string } } }>) {
        note(f.error ? String(f.error.data?.tag) : "ok");
      }
    } catch {
      note("unparsable");
    }
  });

const bearer = { authorization: `Bearer ${token}` };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each scenario loops until the process is told to stop, reconnecting whenever the hub closes it. */
const scenarios: Record<string, () => Promise<void>> = {
  /** Requests as fast as the socket takes them: the token bucket answers RateLimited. */
  async "rate-limit"() {
    const ws = await open(bearer);
    tagsOf(ws);
    let n = 0;
    const burst = () => {
      if (stopping || ws.readyState !== WebSocket.OPEN) return;
      for (let i = 0; i < 200; i++) ws.send(`{"jsonrpc":"2.0","id":${++n},"method":"system/ping"}`);
      if (ws.bufferedAmount < 1 << 20) setImmediate(burst);
      else setTimeout(burst, 5);
    };
    burst();
    await closed(ws);
  },
  /** Garbage frames: closed with 4429 after --malformed-limit, then again and again. */
  async malformed() {
    const ws = await open();
    tagsOf(ws);
    const done = closed(ws);
    while (ws.readyState === WebSocket.OPEN) {
      ws.send("{this is not json");
      await pause(0);
    }
    await done;
  },
  /** Frames over --max-frame-bytes: closed with 1009. */
  async oversized() {
    const ws = await open(bearer);
    const done = closed(ws);
    ws.send(`{"jsonrpc":"2.0","id":1,"method":"system/ping","params":{"x":"${"x".repeat(2 * 1024 * 1024)}"}}`);
    await done;
    await pause(20);
  },
  /**
   * Asks for big answers and stops reading for two seconds: closed with 4008
   * at --max-buffered-bytes (seen once it reads again, after the backlog).
   */
  async "slow-consumer"() {
    const ws = await open(bearer);
    const done = closed(ws);
    ws.pause();
    for (let i = 0; i < 400 && ws.readyState === WebSocket.OPEN; i++) {
      ws.send(`{"jsonrpc":"2.0","id":${i},"method":"rpc.discover"}`);
      await pause(1);
    }
    await pause(2000);
    ws.resume();
    await done;
  },
  /** More sockets than --max-sockets-per-principal, opened and dropped over and over. */
  async "socket-limit"() {
    const held: WebSocket[] = [];
    for (let i = 0; i < 80 && !stopping; i++) {
      try {
        held.push(await open(bearer));
        note("opened");
      } catch {
        // refused: counted by its HTTP status
      }
    }
    for (const ws of held) ws.terminate();
    await pause(50);
  },
  /** Sockets that never authenticate: closed with 4401 at --auth-timeout-ms. */
  async "auth-deadline"() {
    const socks = await Promise.all(Array.from({ length: 100 }, () => open().catch(() => undefined)));
    await Promise.all(socks.filter((s): s is WebSocket => s !== undefined).map(closed));
  },
  /** Issue 9: batches of rpc.discover far over --max-batch (each was a ~840 MB answer). */
  async "big-batch"() {
    const ws = await open(bearer);
    tagsOf(ws);
    const done = closed(ws);
    const batch = JSON.stringify(
      Array.from({ length: 5000 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "rpc.discover" })),
    );
    while (ws.readyState === WebSocket.OPEN && !stopping) {
      ws.send(batch);
      await pause(50);
    }
    await done;
  },
  /** Issue 9: params with 50,000 unknown keys (each was 1.2 s of decoding and a 6.9 MB answer). */
  async "unknown-keys"() {
    const ws = await open(bearer);
    tagsOf(ws);
    const done = closed(ws);
    const params = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    const frame = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system/ping", params });
    while (ws.readyState === WebSocket.OPEN && !stopping) {
      ws.send(frame);
      await pause(100);
    }
    await done;
  },
  /** Issue 9: HTTP keep-alive pipelining of GET /openrpc.json, never reading the answers. */
  async pipelining() {
    const { hostname, port } = new URL(url);
    const socket = tcpConnect(Number(port), hostname);
    socket.on("error", () => {});
    socket.pause();
    const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(`GET /openrpc.json HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`.repeat(5000));
    await Promise.race([pause(3000), gone]);
    socket.resume();
    await Promise.race([pause(2000), gone]);
    note("pipelined");
    socket.destroy();
  },
};

const run = scenarios[scenario];
if (!run) {
  process.stderr.write(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(", ")}\n`);
  process.exit(2);
}
for (;;) {
  if (stopping) break;
  await run().catch(() => pause(20));
}
