import type { MethodName, MethodNamed, ParamsInputOf, ResultOf } from "../../protocol/index.ts";

export type Params<N extends MethodName> = ParamsInputOf<MethodNamed<N>>;
export type Result<N extends MethodName> = ResultOf<MethodNamed<N>>;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly tag: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Listener = (params: Record<string, unknown>) => void;

/**
 * The page's one WebSocket to the hub, as the admin. The token lives only in
 * this object (the tab's memory): never in a URL, a cookie or storage.
 */
export class HubSocket {
  private readonly ws: WebSocket;
  private next = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private closeListeners = new Set<(code: number, reason: string) => void>();
  closed = false;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.addEventListener("message", (e) => this.onFrame(String(e.data)));
    this.ws.addEventListener("close", (e) => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new RpcError(0, "the connection to the hub closed", "Closed"));
      this.pending.clear();
      for (const l of this.closeListeners) l(e.code, e.reason);
    });
  }

  /** Open a socket and authenticate it with the admin token; rejects with the hub's error when refused. */
  static async open(token: string): Promise<HubSocket> {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new HubSocket(`${scheme}://${location.host}/ws`);
    await new Promise<void>((resolve, reject) => {
      socket.ws.addEventListener("open", () => resolve(), { once: true });
      socket.ws.addEventListener("error", () => reject(new RpcError(0, "Cannot reach the hub.", "Unreachable")), {
        once: true,
      });
    });
    try {
      const hello = await socket.call("auth/connect", { token });
      if (hello.principal.type !== "admin") {
        socket.close();
        throw new RpcError(-32001, "This token is not the admin's: the inspector needs the admin token.", "Forbidden");
      }
    } catch (err) {
      socket.close();
      throw err;
    }
    return socket;
  }

  call<N extends MethodName>(method: N, params: Params<N>): Promise<Result<N>> {
    if (this.closed) return Promise.reject(new RpcError(0, "the connection to the hub is closed", "Closed"));
    const id = `i${++this.next}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  on(method: string, listener: Listener): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  onClose(listener: (code: number, reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.closeListeners = new Set();
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, "signed out");
  }

  private onFrame(text: string): void {
    let frame: {
      id?: unknown;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { code: number; message: string; data?: { tag?: string } };
    };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof frame.id === "string" && this.pending.has(frame.id)) {
      const p = this.pending.get(frame.id)!;
      this.pending.delete(frame.id);
      if (frame.error) p.reject(new RpcError(frame.error.code, frame.error.message, frame.error.data?.tag ?? "Error"));
      else p.resolve(frame.result);
      return;
    }
    if (frame.method && frame.id === undefined) {
      for (const l of this.listeners.get(frame.method) ?? []) l(frame.params ?? {});
    }
  }
}
