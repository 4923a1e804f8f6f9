import { randomUUID } from "node:crypto";
import { nowIso, type DeliveryAttempt, type Storage, type WebhookRecord } from "../../storage/index.ts";
import type { Committer, Emitted } from "../committer.ts";
import type { Config } from "../config.ts";
import { framePrefix, frameSuffix } from "../fanout.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { postWebhook, type PostResult } from "./post.ts";
import { signatureHeader, type Sealer } from "./secrets.ts";

/** A poll that covers what no commit rang for: a webhook set from the CLI, a lease that expired elsewhere. */
const POLL_MS = 30_000;
/** After an unexpected error in a delivery loop (the database, say), the app is tried again this much later. */
const ERROR_BACKOFF_MS = 5_000;
/** After another node was found holding an app's lease, ask for it again this much later. */
const LEASE_RETRY_MS = 5_000;

export interface WorkerDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly commit: Committer["run"];
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly sealer: Sealer;
}

/** The next request of a lane: what is delivered once it is answered with 2xx. */
export interface Outgoing {
  /** The lane's position once this is delivered. */
  readonly position: number;
  /** `webhook-id`: the same on every attempt. */
  readonly id: string;
  /** For the logs and the attempt log: the event's method, or what the lane calls it. */
  readonly method: string;
  readonly body: string;
  /** The app's event cursor, for the attempt log. */
  readonly eventCursor?: number;
}

/** A lane as it stands: where its requests go, how they are signed, how far delivery is. */
export interface LaneState {
  readonly url: string;
  /** Standard Webhooks secrets (`whsec_…`, opened): each signs every request. */
  readonly secrets: ReadonlyArray<string>;
  /** Further headers on every request (never signing material). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly deliveredThrough: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

/**
 * One kind of lane the worker delivers: an app's webhook (its event log), an
 * A2A task's push config (server/a2a/push.ts). A lane is named by a key that
 * is also its lease key, and is woken by events committed for a recipient.
 * Every write runs inside the worker's commit and checks the lease, so the
 * delivery order, the retry schedule, the pause and the one-node-at-a-time
 * rule are the worker's, the same for every kind.
 */
export interface LaneSource {
  /** The metrics label. */
  readonly kind: "event" | "a2a_push";
  owns(key: string): boolean;
  /** The lanes still delivering, each with the principal whose events wake it. */
  active(): Promise<Array<{ key: string; recipient: string }>>;
  /** The lane, when it still delivers (not gone, paused or done), and the principal that wakes it. */
  load(key: string): Promise<{ state: LaneState; recipient: string } | undefined>;
  next(key: string, state: LaneState): Promise<Outgoing | undefined>;
  advance(key: string, position: number, holder: string, nowMs: number): Promise<boolean>;
  retryLater(
    key: string,
    state: LaneState,
    attempts: number,
    nextAt: number,
    holder: string,
    nowMs: number,
  ): Promise<boolean>;
  pause(
    key: string,
    state: LaneState,
    attempts: number,
    failure: string,
    at: string,
    holder: string,
    nowMs: number,
  ): Promise<boolean>;
  /** Record an attempt (an app's webhook keeps them for app/webhook/deliveries). */
  logAttempt?(key: string, attempt: Omit<DeliveryAttempt, "appId">): Promise<void>;
}

/** An app's webhook as a lane: its event log from `deliveredThrough`, keyed by the app's id. */
export const appWebhookLanes = (deps: WorkerDeps): LaneSource => {
  const { storage, sealer } = deps;
  return {
    kind: "event",
    owns: (key) => !key.includes("/"),
    active: async () => (await storage.webhooks.activeApps()).map((appId) => ({ key: appId, recipient: appId })),
    async load(appId) {
      const rec = await storage.webhooks.get(appId);
      if (!rec || rec.webhook.status !== "active") return undefined;
      return {
        recipient: appId,
        state: {
          url: rec.webhook.url,
          secrets: webhookSecrets(sealer, rec),
          deliveredThrough: rec.deliveredThrough,
          attempts: rec.attempts,
          nextAttemptAt: rec.nextAttemptAt,
        },
      };
    },
    async next(appId, state) {
      const [event] = await storage.events.after(appId, state.deliveredThrough, 1);
      if (!event) return undefined;
      return {
        position: event.cursor,
        id: `${appId}.${event.cursor}`,
        method: event.method,
        body: framePrefix(event.method) + event.cursor + frameSuffix(event.params),
        eventCursor: event.cursor,
      };
    },
    advance: (appId, position, holder, nowMs) => storage.webhooks.advance(appId, position, holder, nowMs),
    retryLater: (appId, state, attempts, nextAt, holder, nowMs) =>
      storage.webhooks.retryLater(appId, state.deliveredThrough, attempts, nextAt, holder, nowMs),
    pause: (appId, state, attempts, failure, at, holder, nowMs) =>
      storage.webhooks.pause(appId, state.deliveredThrough, attempts, failure, at, holder, nowMs),
    logAttempt: (appId, attempt) =>
      storage.webhooks.logAttempt({ appId, ...attempt }, deps.config.webhookDeliveriesKept),
  };
};

/**
 * Delivers each lane's requests to its URL (section 12): an app's events
 * straight from its event log, an A2A push config's task updates straight
 * from the task's conversation; no second queue. Per lane, one request at a
 * time, in order, from the lane's `deliveredThrough`; a failed request is
 * retried after the delays of --webhook-retry-schedule while later ones
 * wait, and when the schedule is exhausted the lane pauses.
 *
 * - Woken after each commit that logged an event for a lane's recipient
 *   (`onCommitted`, beside the fan-out: from the committer on SQLite, from
 *   the event log's feed on PostgreSQL, whichever node wrote the event), by
 *   its retry timer, by `changed`, and by a poll every 30 s.
 * - Progress is stored after each answer, so a restart (even after SIGKILL)
 *   goes on at the first request not known to be delivered: at least once,
 *   a duplicate only for the request in flight at the crash. `webhook-id`
 *   is the same on every attempt, for deduplication.
 * - Exactly one node delivers a lane: the holder of its lease row
 *   (`webhook_leases`, keyed by the lane's key), taken when free or expired
 *   and renewed while it delivers; storing progress checks the lease in the
 *   same statement. A SQLite hub is alone on its file and clears every lease
 *   at start; on PostgreSQL a node that stops releases its leases, and one
 *   that dies leaves them to expire.
 */
export class WebhookWorker {
  readonly nodeId = randomUUID();
  private readonly leaseMs: number;
  private readonly leaseUntil = new Map<string, number>();
  /** Lanes whose lease another node held when last asked: not asked again before this time. */
  private readonly refusedUntil = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly aborts = new AbortController();
  private readonly sources: LaneSource[] = [];
  /** The lanes each recipient's events wake. */
  private hooked = new Map<string, Set<string>>();
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: WorkerDeps) {
    this.leaseMs = Math.max(30_000, 3 * deps.config.webhookTimeoutMs);
    this.sources.push(appWebhookLanes(deps));
  }

  /** Deliver another kind of lane too (before `start`). */
  addSource(source: LaneSource): void {
    this.sources.unshift(source);
  }

  start(): void {
    void this.poll();
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref();
  }

  /** After a commit: wake the lanes whose recipients got events. */
  readonly onCommitted = (events: ReadonlyArray<Emitted>): void => {
    if (this.hooked.size === 0) return;
    for (const e of events) {
      for (const r of e.recipients) {
        const keys = this.hooked.get(r);
        if (keys) for (const key of keys) this.wake(key);
      }
    }
  };

  /** Wake the lanes `recipient`'s events wake, as an event for it would (a change no event announces). */
  poke(recipient: string): void {
    const keys = this.hooked.get(recipient);
    if (keys) for (const key of keys) this.wake(key);
  }

  /** The lane (an app's id for its webhook) was set, resumed or deleted. */
  async changed(key: string): Promise<void> {
    let lane: Awaited<ReturnType<LaneSource["load"]>>;
    try {
      lane = await this.source(key).load(key);
    } catch (err) {
      this.deps.log.error({ err, key }, "could not read a webhook; the next poll picks it up");
      return;
    }
    this.refusedUntil.delete(key);
    if (lane) {
      this.hook(lane.recipient, key);
      this.wake(key);
    } else {
      this.unhook(key);
      this.clearTimer(key);
    }
  }

  /** Stop: abort requests in flight (they stay undelivered) and wait for the loops to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.aborts.abort();
    await Promise.allSettled([...this.running.values()]);
    // Hand the leases back at once, so another node (PostgreSQL) need not wait for them to expire.
    const held = [...this.leaseUntil.keys()];
    this.leaseUntil.clear();
    if (held.length === 0) return;
    await this.deps
      .commit(async () => {
        for (const key of held) await this.deps.storage.webhooks.releaseLease(key, this.nodeId);
      })
      .catch((err: unknown) => this.deps.log.warn({ err }, "could not release webhook leases; they expire"));
  }

  private source(key: string): LaneSource {
    return this.sources.find((s) => s.owns(key))!;
  }

  private hook(recipient: string, key: string): void {
    let keys = this.hooked.get(recipient);
    if (!keys) this.hooked.set(recipient, (keys = new Set()));
    keys.add(key);
  }

  private unhook(key: string): void {
    for (const [recipient, keys] of this.hooked) {
      if (keys.delete(key) && keys.size === 0) this.hooked.delete(recipient);
    }
  }

  private async poll(): Promise<void> {
    const hooked = new Map<string, Set<string>>();
    try {
      for (const source of this.sources) {
        for (const { key, recipient } of await source.active()) {
          let keys = hooked.get(recipient);
          if (!keys) hooked.set(recipient, (keys = new Set()));
          keys.add(key);
        }
      }
    } catch (err) {
      this.deps.log.error({ err }, "could not list webhooks; retrying at the next poll");
      return;
    }
    this.hooked = hooked;
    for (const keys of hooked.values()) for (const key of keys) this.wake(key);
  }

  private wake(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.clearTimer(key);
    const run = this.run(key).finally(() => {
      this.running.delete(key);
      if (this.again.delete(key)) this.wake(key);
    });
    this.running.set(key, run);
  }

  private later(key: string, delayMs: number): void {
    if (this.stopped) return;
    this.clearTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.wake(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  private clearTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** Deliver the lane's requests until none is left, one fails, or the lane is paused, done or gone. */
  private async run(key: string): Promise<void> {
    const { commit } = this.deps;
    const source = this.source(key);
    try {
      while (!this.stopped) {
        const lane = await source.load(key);
        if (!lane) {
          this.unhook(key);
          return;
        }
        const { state } = lane;
        const now = Date.now();
        if (state.nextAttemptAt > now) return this.later(key, state.nextAttemptAt - now);
        const out = await source.next(key, state);
        if (!out) return;
        const refused = this.refusedUntil.get(key) ?? 0;
        if (refused > now) return this.later(key, refused - now);
        if (!(await this.holdLease(key, now))) {
          // Another node delivers this lane; look again when its lease could have expired.
          this.refusedUntil.set(key, now + LEASE_RETRY_MS);
          return this.later(key, LEASE_RETRY_MS);
        }
        const result = await this.post(state, out);
        if (this.stopped) return;
        const attempt = state.attempts + 1;
        const at = nowIso();
        const outcome = result.ok ? "delivered" : "failed";
        this.deps.metrics.webhookDeliveries.inc({ kind: source.kind, outcome });
        this.deps.metrics.webhookSeconds.observe({ kind: source.kind, outcome }, result.durationMs / 1000);
        const attemptRow = {
          eventCursor: out.eventCursor,
          method: out.method,
          attempt,
          outcome,
          httpStatus: result.status,
          error: result.ok ? undefined : result.error,
          durationMs: result.durationMs,
          at,
        } as const;
        if (result.ok) {
          const moved = await commit(async () => {
            await source.logAttempt?.(key, attemptRow);
            return source.advance(key, out.position, this.nodeId, Date.now());
          });
          // Not moved: the lease was lost (or the lane replaced); take it again before the next request.
          if (!moved) this.leaseUntil.delete(key);
          continue;
        }
        const schedule = this.deps.config.webhookRetrySchedule;
        const pause = attempt > schedule.length;
        const delay = pause ? 0 : schedule[attempt - 1]!;
        this.deps.log.warn(
          {
            lane: key,
            webhookId: out.id,
            host: safeHost(state.url),
            method: out.method,
            attempt,
            httpStatus: result.status,
            error: result.error,
            ...(pause ? { paused: true } : { retryInMs: delay }),
          },
          pause ? "webhook delivery failed; retry schedule exhausted, webhook paused" : "webhook delivery failed",
        );
        await commit(async () => {
          await source.logAttempt?.(key, attemptRow);
          if (pause) {
            const failure = `${result.error} (${out.id}, ${attempt} attempts)`;
            await source.pause(key, state, attempt, failure, at, this.nodeId, Date.now());
          } else {
            await source.retryLater(key, state, attempt, Date.now() + delay, this.nodeId, Date.now());
          }
        });
        if (pause) this.unhook(key);
        else this.later(key, delay);
        return;
      }
    } catch (err) {
      this.deps.log.error({ err, lane: key }, "webhook delivery loop failed; trying again shortly");
      this.later(key, ERROR_BACKOFF_MS);
    }
  }

  /** Take or renew the lane's lease when less than a request's worth of it is left. */
  private async holdLease(key: string, now: number): Promise<boolean> {
    const until = this.leaseUntil.get(key) ?? 0;
    if (until - now > 2 * this.deps.config.webhookTimeoutMs) return true;
    const expires = now + this.leaseMs;
    const held = await this.deps.commit(() => this.deps.storage.webhooks.lease(key, this.nodeId, now, expires));
    if (held) this.leaseUntil.set(key, expires);
    else this.leaseUntil.delete(key);
    return held;
  }

  private post(state: LaneState, out: Outgoing): Promise<PostResult> {
    return postWebhook(state.url, { ...state.headers, ...signHeaders(state.secrets, out.id, out.body) }, out.body, {
      allowPrivate: this.deps.config.webhookAllowPrivate,
      timeoutMs: this.deps.config.webhookTimeoutMs,
      maxResponseBytes: this.deps.config.webhookMaxResponseBytes,
      signal: this.aborts.signal,
    });
  }
}

/** The secrets that sign an app's requests now: during a rotation both. */
const webhookSecrets = (sealer: Sealer, rec: WebhookRecord): string[] => {
  const secrets = [sealer.open(rec.secret)];
  if (rec.previousSecret !== undefined && (rec.previousUntil ?? 0) > Date.now())
    secrets.push(sealer.open(rec.previousSecret));
  return secrets;
};

/** The Standard Webhooks headers for one request, signed by each of `secrets`. */
export const signHeaders = (secrets: ReadonlyArray<string>, id: string, body: string): Record<string, string> => {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatureHeader(secrets, id, timestamp, body),
  };
};

/** The Standard Webhooks headers for one request to an app's webhook; during a rotation both secrets sign. */
export const signedHeaders = (sealer: Sealer, rec: WebhookRecord, id: string, body: string): Record<string, string> =>
  signHeaders(webhookSecrets(sealer, rec), id, body);

/** The URL's host, for logs: a path or query may carry a credential of the app's. */
export const safeHost = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
};
