import WebSocket from "ws";

export interface Frame {
  readonly jsonrpc?: string;
  readonly id?: unknown;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: any;
  readonly error?: { code: number; message: string; data: { tag: string; [k: string]: any } };
  readonly [key: string]: unknown;
}

/**
 * A WebSocket that speaks raw frames: for malformed input, exact wire shapes
 * and close codes. Every frame received is kept, in order.
 */
export class RawSocket {
  readonly frames: Array<Frame | Frame[]> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    });
    ws.on("error", () => {});
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new RawSocket(ws)));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Send a request and wait for the response with its id. */
  async request(method: string, params?: unknown): Promise<Frame> {
    const id = `t${++this.nextId}`;
    this.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
    return this.next((f) => !Array.isArray(f) && f.id === id) as Promise<Frame>;
  }

  /** The first frame (kept or future) matching `match`. */
  async next(match: (f: Frame | Frame[]) => boolean = () => true, timeoutMs = 5000): Promise<Frame | Frame[]> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.frames.length; seen++) if (match(this.frames[seen]!)) return this.frames[seen]!;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  notifications(method: string): Frame[] {
    return this.frames.filter((f): f is Frame => !Array.isArray(f) && f.method === method && f.id === undefined);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.ws.close();
    return this.closed.then(() => undefined);
  }
}
