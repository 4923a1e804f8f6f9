import type { ServerResponse } from "node:http";

export interface SseStream {
  /** Write one event; `id` becomes the SSE id (the conversation seq), which a client resumes from. */
  send(data: string, id?: number): void;
  close(): void;
  readonly closed: boolean;
}

/**
 * A Server-Sent Events response (A2A 1.0, 9.4.2). A comment line every
 * `heartbeatMs` keeps proxies from closing an idle stream; a client that
 * reads slower than the hub writes is cut off once `maxBufferedBytes` are
 * waiting, like a slow socket, and resumes with Last-Event-ID.
 */
export const openSse = (
  res: ServerResponse,
  opts: { readonly heartbeatMs: number; readonly maxBufferedBytes: number },
  onClose: () => void,
): SseStream => {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let closed = false;
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), opts.heartbeatMs);
  heartbeat.unref();
  const stream: SseStream = {
    send(data, id) {
      if (closed) return;
      res.write(`${id !== undefined ? `id: ${id}\n` : ""}data: ${data}\n\n`);
      if (res.writableLength > opts.maxBufferedBytes) stream.close();
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      res.end();
    },
    get closed() {
      return closed;
    },
  };
  res.once("close", () => {
    closed = true;
    clearInterval(heartbeat);
    onClose();
  });
  return stream;
};
