/**
 * A token bucket: `rate` tokens a second up to `burst`. `take` answers 0 when
 * a token was available, else how many milliseconds until one is.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = performance.now();
  }

  take(): number {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
  }

  /**
   * Spend `cost` tokens (bytes), going into debt if need be: 0 when some
   * are left after it, else the milliseconds until the balance is positive
   * again. A cost larger than the bucket is still taken, then paid back.
   */
  spend(cost: number): number {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000) - cost;
    this.last = now;
    return this.tokens > 0 ? 0 : Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
  }
}

/** Counts events in a fixed window; `hit` answers whether the limit is now exceeded. */
export class WindowCounter {
  private count = 0;
  private windowStart = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  hit(): boolean {
    const now = performance.now();
    if (now - this.windowStart > this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count > this.limit;
  }
}

/**
 * Whether a JSON value nests deeper than `max` levels (the value itself is
 * level 1; scalars add none). Iterative, so that the check cannot overflow
 * the stack it protects.
 */
export const deeperThan = (value: unknown, max: number): boolean => {
  if (value === null || typeof value !== "object") return false;
  const stack: Array<{ v: object; depth: number }> = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (depth > max) return true;
    if (Array.isArray(v)) {
      for (const child of v)
        if (child !== null && typeof child === "object") stack.push({ v: child as object, depth: depth + 1 });
    } else {
      for (const key in v) {
        const child = (v as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") stack.push({ v: child as object, depth: depth + 1 });
      }
    }
  }
  return false;
};

/** Close codes the hub uses (PROTOCOL sections 1, 2, 6 and 10.5). */
export const CloseCode = {
  goingAway: 1001,
  internalError: 1011,
  unsupportedData: 1003,
  tooBig: 1009,
  slowConsumer: 4008,
  unauthorized: 4401,
  forbidden: 4403,
  malformedFlood: 4429,
  tooManySockets: 4409,
  /** An admin closed the socket (admin/socket/close); the client may reconnect and resume. */
  closedByAdmin: 4000,
} as const;

/**
 * Token buckets by key (a client address, a principal), for callers that
 * hold no socket of their own (HTTP). Keys unused for a minute are dropped
 * when the table grows, so a stream of new addresses cannot grow it forever.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, { bucket: TokenBucket; last: number }>();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** 0 when `key` may proceed, else the milliseconds until it may. */
  take(key: string): number {
    const now = performance.now();
    let entry = this.buckets.get(key);
    if (!entry) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      entry = { bucket: new TokenBucket(this.rate, this.burst), last: now };
      this.buckets.set(key, entry);
    }
    entry.last = now;
    return entry.bucket.take();
  }

  private sweep(now: number): void {
    for (const [key, e] of this.buckets) if (now - e.last > 60_000) this.buckets.delete(key);
    // Still full: the table is being flooded with fresh keys; start over rather than grow.
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}
