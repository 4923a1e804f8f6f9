import type { WebSocket } from "ws";
import type { AuthedPrincipal } from "./tokens.ts";
import { CloseCode, TokenBucket, WindowCounter } from "./limits.ts";

export interface SessionLimits {
  readonly maxBufferedBytes: number;
  readonly rateLimit: number;
  readonly rateBurst: number;
  readonly malformedLimit: number;
  readonly malformedWindowMs: number;
}

/**
 * One WebSocket connection: who it is, which events it has been sent, and
 * its limits. The only place that writes frames to a socket.
 */
export class Session {
  principal: AuthedPrincipal | undefined;
  /** Pushed events go out only when live; a resuming socket first catches up from the log. */
  live = false;
  /** The highest event cursor sent on this socket. */
  lastCursor = 0;
  /** Agents whose presence this socket follows. */
  presence: ReadonlySet<string> = new Set();
  closed = false;
  private readonly bucket: TokenBucket;
  private readonly malformed: WindowCounter;
  /** Reading is paused while a connection over its rate pays back its refusals. */
  private throttled = false;
  private refused = 0;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    private readonly limits: SessionLimits,
    private readonly onClose: (code: number) => void,
  ) {
    this.bucket = new TokenBucket(limits.rateLimit, limits.rateBurst);
    this.malformed = new WindowCounter(limits.malformedLimit, limits.malformedWindowMs);
  }

  /** Write a frame; a socket whose unsent data passes the cap is closed (slow consumer, 4008). */
  send(frame: string): void {
    if (this.closed) return;
    this.ws.send(frame);
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "slow consumer: reconnect and resume from your last cursor");
    }
  }

  /** Bytes written but not yet sent. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  /** 0 when the request may proceed, else the milliseconds to wait (rate limit). */
  takeToken(): number {
    const wait = this.bucket.take();
    if (wait > 0) this.throttle(wait);
    return wait;
  }

  /**
   * A request was refused for the rate: stop reading this socket, and keep
   * it paused while the refusals made meanwhile (frames already read) are
   * paid back at the allowed rate. A flood then costs the hub about as many
   * refusals a second as the rate allows, instead of one per frame sent,
   * and TCP pushes the backlog back to the sender.
   */
  private throttle(waitMs: number): void {
    this.refused++;
    if (this.throttled || this.closed) return;
    this.throttled = true;
    this.ws.pause();
    const later = (ms: number) =>
      setTimeout(() => {
        if (this.closed) return;
        const owed = this.refused - 1;
        this.refused = 0;
        if (owed > 0) return later(Math.min(1000, Math.ceil((owed * 1000) / this.limits.rateLimit)));
        this.throttled = false;
        this.ws.resume();
      }, ms).unref();
    later(waitMs);
  }

  /** Count a malformed frame; a flood closes the socket (4429). Returns true when it did. */
  countMalformed(): boolean {
    if (!this.malformed.hit()) return false;
    // Answers are written a few microtasks after their frame is read: close after those already under way,
    // so that the frames within the limit are still answered when a flood arrives in one read.
    setImmediate(() => this.close(CloseCode.malformedFlood, "too many malformed frames"));
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.live = false;
    this.onClose(code);
    this.ws.close(code, reason);
  }
}
