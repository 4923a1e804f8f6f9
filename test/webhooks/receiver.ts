import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { TestHub } from "../helpers/hub.ts";

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { id?: string; method: string; params: Record<string, unknown> };
}

export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Answer this much later (to test timeouts). */
  readonly delayMs?: number;
}

/**
 * A real HTTP receiver on loopback: records every request and answers with
 * `reply` (200 `{}` by default). `waitFor` resolves once a condition on the
 * requests holds.
 */
export class Receiver {
  readonly requests: Received[] = [];
  reply: (req: Received, n: number) => Reply = () => ({});
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    const r = new Receiver(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const received: Received = { headers: req.headers, body, json: JSON.parse(body) as Received["json"] };
        r.requests.push(received);
        const reply = r.reply(received, r.requests.length);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
          res.end(JSON.stringify(reply.body ?? {}));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
        for (const w of r.waiters) w();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Requests that carried events (not callbacks), in arrival order. */
  get events(): Received[] {
    return this.requests.filter((r) => r.json.id === undefined);
  }

  waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; received ${this.requests.length} requests`));
      }, timeoutMs);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Verify a request with the Standard Webhooks reference library; throws when the signature is not valid. */
export const verify = (secret: string, r: Received): unknown =>
  new Webhook(secret).verify(r.body, {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  });

/** One JSON-RPC call over POST /rpc, as an app without a socket makes it. */
export const rpc = async (t: TestHub | { url: string }, token: string, method: string, params: unknown = {}) => {
  const res = await fetch(`${t.url}/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const frame = (await res.json()) as { result?: any; error?: { code: number; message: string; data: any } };
  return frame;
};
