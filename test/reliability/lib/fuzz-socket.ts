import WebSocket from "ws";
import type { Frame } from "../../helpers/raw.ts";

/**
 * A socket for the fuzzer: sends anything, matches answers to ids, counts
 * answers that carry id null, serves the hub's callbacks with whatever the
 * fuzzer chooses, and records every frame that is itself a finding (an
 * Internal error, a frame that is not JSON, an answer to no request).
 */
export class FuzzSocket {
  readonly findings: string[] = [];
  closed: { code: number; reason: string } | undefined;
  nullAnswers: Frame[] = [];
  notifications = 0;
  /** Answers a callback request from the hub; undefined leaves it unanswered. */
  onCallback: ((frame: Frame) => unknown) | undefined;
  private readonly waiting = new Map<string, (f: Frame) => void>();
  private nullWaiter: (() => void) | undefined;

  private constructor(
    readonly label: string,
    readonly ws: WebSocket,
  ) {
    ws.on("message", (data) => this.onMessage(data.toString()));
    ws.on("error", () => {});
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      const w = this.nullWaiter;
      this.nullWaiter = undefined;
      w?.();
      for (const [, fn] of this.waiting) fn({ error: { code: 0, message: "socket closed", data: { tag: "closed" } } });
      this.waiting.clear();
    });
  }

  static open(url: string, label: string, token?: string): Promise<FuzzSocket> {
    const ws = new WebSocket(url, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      maxPayload: 64 * 1024 * 1024,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new FuzzSocket(label, ws)));
      ws.once("error", reject);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Resolves with the answer to `id` (registered before the frame is sent). */
  expect(id: string): Promise<Frame> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** Resolves once `count` answers with id null have arrived since the last reset, or the socket closed. */
  nullCount(count: number): Promise<void> {
    if (this.nullAnswers.length >= count || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.nullWaiter = () => {
        if (this.nullAnswers.length >= count || this.closed) {
          this.nullWaiter = undefined;
          resolve();
        }
      };
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }

  private onMessage(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.findings.push(`${this.label}: the hub sent a frame that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    for (const f of (Array.isArray(parsed) ? parsed : [parsed]) as Frame[]) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    if (f.error && f.error.code === -32603) {
      this.findings.push(`${this.label}: Internal error answered: ${JSON.stringify(f).slice(0, 300)}`);
    }
    if (typeof f.method === "string") {
      if (f.id === undefined) {
        this.notifications++;
        return;
      }
      const answer = this.onCallback?.(f);
      if (answer !== undefined) this.ws.send(typeof answer === "string" ? answer : JSON.stringify(answer));
      return;
    }
    if (f.id === null || f.id === undefined) {
      this.nullAnswers.push(f);
      this.nullWaiter?.();
      return;
    }
    const key = String(f.id);
    const fn = this.waiting.get(key);
    if (!fn) {
      this.findings.push(`${this.label}: an answer to no pending request: ${JSON.stringify(f).slice(0, 300)}`);
      return;
    }
    this.waiting.delete(key);
    fn(f);
  }
}
