import WebSocket from "ws";
import { isNotification, isNumericResponse, readResponse } from "../lib/wire.ts";

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** Keep the first few error descriptions of a run. */
export class Errors {
  readonly seen: string[] = [];
  count = 0;
  add(what: string): void {
    this.count++;
    if (this.seen.length < 5) this.seen.push(what.slice(0, 300));
  }
}

/**
 * One raw WebSocket to the hub or the bare server. Frames out are strings the
 * caller built; frames in are classified from a few bytes (response with a
 * numeric id, or notification) and handed to the hot-path callbacks without
 * being parsed. `call` is for setup only: it parses its answer.
 */
export class Conn {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  onResult: (id: number, ok: boolean, frame: Buffer) => void = () => {};
  onNotification: (frame: Buffer) => void = () => {};
  onOther: (frame: Buffer) => void = () => {};
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.onFrame(data));
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiting.values()) w.reject(new Error(`socket closed (${code} ${reason.toString()})`));
      this.waiting.clear();
    });
  }

  static open(url: string): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once("open", () => {
        ws.off("error", reject);
        ws.on("error", () => {});
        resolve(new Conn(ws));
      });
      ws.once("error", reject);
    });
  }

  takeId(): number {
    return this.nextId++;
  }

  send(frame: string): void {
    this.ws.send(frame);
  }

  /** A request whose answer is parsed: resolves with `result`, rejects with the error frame. */
  call(method: string, params: unknown): Promise<unknown> {
    const id = this.takeId();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  close(): void {
    this.ws.terminate();
  }

  private onFrame(b: Buffer): void {
    if (isNumericResponse(b)) {
      const { id, ok } = readResponse(b);
      const w = this.waiting.get(id);
      if (w) {
        this.waiting.delete(id);
        const msg = JSON.parse(b.toString("utf8")) as { result?: unknown; error?: unknown };
        if (ok) w.resolve(msg.result);
        else w.reject(new Error(JSON.stringify(msg.error)));
        return;
      }
      this.onResult(id, ok, b);
    } else if (isNotification(b)) this.onNotification(b);
    else this.onOther(b);
  }
}

/** Connect and authenticate with auth/connect, as the typed client does. */
export const connectAgent = async (url: string, token: string, extra: Record<string, unknown> = {}): Promise<Conn> => {
  const c = await Conn.open(url);
  await c.call("auth/connect", { token, ...extra });
  return c;
};

/** Run `fn` over `items` with at most `limit` at once. */
export const pool = async <T, R>(items: ReadonlyArray<T>, limit: number, fn: (item: T, i: number) => Promise<R>) => {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Group sockets for the bare relay server: the hub ignores the query. */
export const withGroup = (url: string, target: "hub" | "bare", group: string): string =>
  target === "bare" ? `${url}?g=${encodeURIComponent(group)}` : url;

/**
 * The node socket `k` of pair `i` connects to: with several nodes, the two
 * agents of a pair are on consecutive nodes, so each message crosses nodes.
 */
export const pairNode = (url: string, nodeUrls: ReadonlyArray<string> | undefined, i: number, k: number): string =>
  nodeUrls && nodeUrls.length > 1 ? nodeUrls[(i + k) % nodeUrls.length]! : url;
