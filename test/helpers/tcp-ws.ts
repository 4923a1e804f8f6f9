import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";

/**
 * A WebSocket client written on a bare TCP socket, for hostile peers: it
 * ignores the hub's close frame and goes on writing frames, never answers
 * pings, and can stop reading altogether. Frames the hub sends are parsed
 * (text frames and the close code); nothing else is done with them.
 */
export class TcpWebSocket {
  readonly texts: string[] = [];
  closeCode: number | undefined;
  /** Resolves when the TCP connection is gone (the hub destroyed it, or we did). */
  readonly ended: Promise<void>;
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
  }

  /** Upgrade on `url` (http://host:port) with extra headers; rejects with the status when refused. */
  static open(url: string, headers: Record<string, string> = {}, path = "/ws"): Promise<TcpWebSocket> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    const key = randomBytes(16).toString("base64");
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head.toString("latin1"))?.[1]);
        if (status !== 101) {
          socket.destroy();
          reject(Object.assign(new Error(`HTTP ${status}`), { status }));
          return;
        }
        const ws = new TcpWebSocket(socket);
        socket.on("data", (c: Buffer) => ws.onData(c));
        const rest = head.subarray(end + 4);
        if (rest.length > 0) ws.onData(rest);
        resolve(ws);
      };
      socket.on("data", onData);
      socket.once("error", reject);
    });
  }

  /** Write one masked text frame, whatever state the connection is in. */
  sendText(text: string): void {
    const payload = Buffer.from(text, "utf8");
    const mask = randomBytes(4);
    const len = payload.length;
    const header =
      len < 126
        ? Buffer.from([0x81, 0x80 | len])
        : len < 65536
          ? Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff])
          : (() => {
              const h = Buffer.alloc(10);
              h[0] = 0x81;
              h[1] = 0x80 | 127;
              h.writeBigUInt64BE(BigInt(len), 2);
              return h;
            })();
    for (let i = 0; i < len; i++) payload[i]! ^= mask[i & 3]!;
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([header, mask, payload]));
  }

  send(frame: unknown): void {
    this.sendText(JSON.stringify(frame));
  }

  /** Stop reading from the socket: the hub's writes pile up in its buffers. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Wait until `match` holds (checked on every frame received), or fail after `timeoutMs`. */
  async until(match: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!match()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`condition not met within ${timeoutMs} ms; texts: ${this.texts.join("\n").slice(0, 300)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) break;
      const opcode = this.buffer[0]! & 0x0f;
      let len = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (this.buffer.length < 4) break;
        len = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) break;
        len = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + len) break;
      const payload = this.buffer.subarray(offset, offset + len);
      if (opcode === 0x1) this.texts.push(payload.toString("utf8"));
      else if (opcode === 0x8 && payload.length >= 2) this.closeCode = payload.readUInt16BE(0);
      this.buffer = this.buffer.subarray(offset + len);
    }
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
