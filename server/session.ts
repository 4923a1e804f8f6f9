import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { AuthedPrincipal } from "./tokens.ts";
import { CloseCode, TokenBucket, WindowCounter } from "./limits.ts";

export interface SessionLimits {
  readonly maxBufferedBytes: number;
  readonly rateLimit: number;
  readonly rateBurst: number;
  readonly rateBytes: number;
  readonly rateBytesBurst: number;
  readonly malformedLimit: number;
  readonly malformedWindowMs: number;
  readonly closeGraceMs: number;
}

/**
 * Frames written in one turn of the event loop leave together: the first
 * write to a socket corks it, and one setImmediate uncorks every corked
 * socket, so a group commit's answers and notifications go out as one
 * writev per socket instead of one system call per frame.
 */
const corked = new Set<Session>();
/** Past this much corked data a socket is written out at once rather than at the end of the turn. */
const CORK_BYTES = 64 * 1024;
let uncorkScheduled = false;
const uncorkAll = (): void => {
  uncorkScheduled = false;
  for (const session of corked) session.flush();
  corked.clear();
};

/** The TCP socket under a `ws` WebSocket: `ws` offers no cork of its own. */
const tcpOf = (ws: WebSocket): Duplex | undefined => (ws as unknown as { _socket?: Duplex })._socket;

/**
 * One WebSocket connection: who it is, which events it has been sent, and
 * its limits. The only place that writes frames to a socket.
 */
export class Session {
  principal: AuthedPrincipal | undefined;
  /** The hash of the credential the socket authenticated with (see standingOf). */
  credential: Buffer | undefined;
  /** Pushed events go out only when live; a resuming socket first catches up from the log. */
  live = false;
  /** The highest event cursor sent on this socket. */
  lastCursor = 0;
  /** Set by the fan-out when it passed over this socket because it was not live (see replayInto). */
  missedLive = false;
  /** Agents whose presence this socket follows. */
  presence: ReadonlySet<string> = new Set();
  closed = false;
  /** When the socket was accepted (ms since the epoch). */
  readonly connectedAt = Date.now();
  private readonly bucket: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly malformed: WindowCounter;
  /** Reading is paused while a connection over its rate pays back its refusals. */
  private throttled = false;
  private refused = 0;
  private corked = false;
  /** Reasons to keep reading paused besides the rate (answers waiting to drain). */
  private holds = 0;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    private readonly limits: SessionLimits,
    private readonly onClose: (code: number) => void,
  ) {
    this.bucket = new TokenBucket(limits.rateLimit, limits.rateBurst);
    this.bytes = new TokenBucket(limits.rateBytes, limits.rateBytesBurst);
    this.malformed = new WindowCounter(limits.malformedLimit, limits.malformedWindowMs);
  }

  /** Write a frame; a socket whose unsent data passes the cap is closed (slow consumer, 4008). */
  send(frame: string): void {
    if (this.closed) return;
    if (!this.corked) this.cork();
    this.ws.send(frame);
    // Corked data has not been offered to the kernel yet: write it out once it grows, and judge
    // the consumer only on what the kernel did not take.
    if (!this.corked) this.checkBacklog();
    else if (this.ws.bufferedAmount >= CORK_BYTES) this.flush();
  }

  private checkBacklog(): void {
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "slow consumer: reconnect and resume from your last cursor");
    }
  }

  private cork(): void {
    const tcp = tcpOf(this.ws);
    if (!tcp || typeof tcp.cork !== "function") return;
    tcp.cork();
    this.corked = true;
    corked.add(this);
    if (!uncorkScheduled) {
      uncorkScheduled = true;
      setImmediate(uncorkAll);
    }
  }

  /** Write out what this turn corked. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    tcpOf(this.ws)?.uncork();
    if (!this.closed) this.checkBacklog();
  }

  /** Resolves once the unsent data is at most `bytes` (at once when it already is). */
  drained(bytes: number): Promise<void> {
    this.flush();
    const tcp = tcpOf(this.ws);
    if (this.closed || !tcp || this.buffered <= bytes) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        tcp.off("drain", done);
        tcp.off("close", done);
        resolve();
      };
      // 'drain' fires when the buffer empties; the timer re-checks a socket that stays half full.
      const timer = setTimeout(done, 50);
      tcp.once("drain", done);
      tcp.once("close", done);
    });
  }

  /** The peer's IP address, while the socket is open. */
  get address(): string | undefined {
    return (tcpOf(this.ws) as { remoteAddress?: string } | undefined)?.remoteAddress;
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
   * The byte budget (--rate-bytes), spent by every frame as it is read.
   * Parsing and walking a frame costs about its size (a 1 MiB frame of
   * 50,000 keys: ~0.3 s), which --rate-limit, counting requests, does not
   * bound. A frame that overdraws the budget is still handled (it has been
   * read, and a refusal could not carry its id without parsing it), but the
   * hub reads nothing more from this socket until the budget is positive
   * again: later frames wait in TCP, and the sender is slowed to the rate.
   */
  spendBytes(size: number): void {
    const wait = this.bytes.spend(size);
    if (wait > 0) this.pauseForBytes(wait);
  }

  private bytesPaused = false;
  private pauseForBytes(ms: number): void {
    if (this.bytesPaused || this.closed) return;
    this.bytesPaused = true;
    this.holds++;
    this.ws.pause();
    const later = (wait: number) =>
      setTimeout(() => {
        // Frames read after the pause began (the rest of that read) were charged too: pay them back first.
        const owed = this.bytes.spend(0);
        if (owed > 0 && !this.closed) return later(owed);
        this.bytesPaused = false;
        this.holds--;
        if (this.holds === 0 && !this.throttled && !this.closed) this.ws.resume();
      }, wait).unref();
    later(ms);
  }

  /** Whether the hub has paused reading this socket (rate, byte budget, back-pressure): its pongs wait unread too. */
  get readingPaused(): boolean {
    return this.throttled || this.holds > 0;
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
        if (this.holds === 0) this.ws.resume();
      }, ms).unref();
    later(waitMs);
  }

  /**
   * Back-pressure: a peer that does not read its answers stops being read
   * until they drain, so one cannot make the hub build answers faster than
   * it takes them (a peer that stops reading altogether is closed with 4008).
   */
  holdWhileBacklogged(high: number, low: number): void {
    if (this.closed || this.holds > 0 || this.buffered <= high) return;
    this.holds++;
    this.ws.pause();
    void this.drained(low).then(() => {
      this.holds--;
      if (this.holds === 0 && !this.throttled && !this.closed) this.ws.resume();
    });
  }

  /** Count a malformed frame; a flood closes the socket (4429). Returns true when it did. */
  countMalformed(): boolean {
    if (!this.malformed.hit()) return false;
    // Answers are written a few microtasks after their frame is read: close after those already under way,
    // so that the frames within the limit are still answered when a flood arrives in one read.
    setImmediate(() => this.close(CloseCode.malformedFlood, "too many malformed frames"));
    return true;
  }

  /**
   * From here on the socket acts no more: frames still arriving are dropped
   * (the transport checks `closed`), the session leaves every index
   * (`onClose`), and a peer that does not answer the close handshake loses
   * its TCP connection after --close-grace-ms rather than `ws`'s 30 s.
   */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.live = false;
    this.onClose(code);
    this.ws.close(code, reason);
    this.flush();
    const ws = this.ws;
    setTimeout(() => {
      if (ws.readyState !== ws.CLOSED) ws.terminate();
    }, this.limits.closeGraceMs).unref();
  }
}
