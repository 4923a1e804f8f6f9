import { randomUUID } from "node:crypto";
import { nowIso, type LoggedEvent, type Storage, type WebhookRecord } from "../../storage/index.ts";
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

/**
 * Delivers each app's events to its webhook (section 12), straight from the
 * app's event log: no second queue. Per app, one request at a time, in cursor
 * order, from the webhook's `deliveredThrough` cursor; a failed event is
 * retried after the delays of --webhook-retry-schedule while later events
 * wait, and when the schedule is exhausted the webhook pauses.
 *
 * - Woken after each commit that logged an event for an app with an active
 *   webhook (`onCommitted`, beside the fan-out: from the committer on SQLite,
 *   from the event log's feed on PostgreSQL, whichever node wrote the event),
 *   by its retry timer, and by a poll every 30 s.
 * - Progress is stored after each answer, so a restart (even after SIGKILL)
 *   goes on at the first event not known to be delivered: at least once,
 *   a duplicate only for the event in flight at the crash. `webhook-id`
 *   (`<appId>.<cursor>`) is the same on every attempt, for deduplication.
 * - Exactly one node delivers an app's events: the holder of the app's lease
 *   row (`webhook_leases`), taken when free or expired and renewed while it
 *   delivers; storing progress checks the lease in the same statement. A
 *   SQLite hub is alone on its file and clears every lease at start; on
 *   PostgreSQL a node that stops releases its leases, and one that dies
 *   leaves them to expire.
 */
export class WebhookWorker {
  readonly nodeId = randomUUID();
  private readonly leaseMs: number;
  private readonly leaseUntil = new Map<string, number>();
  /** Apps whose lease another node held when last asked: not asked again before this time. */
  private readonly refusedUntil = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly aborts = new AbortController();
  private hooked = new Set<string>();
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: WorkerDeps) {
    this.leaseMs = Math.max(30_000, 3 * deps.config.webhookTimeoutMs);
  }

  start(): void {
    void this.poll();
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref();
  }

  /** After a commit: wake the apps with an active webhook that got events. */
  readonly onCommitted = (events: ReadonlyArray<Emitted>): void => {
    if (this.hooked.size === 0) return;
    for (const e of events) {
      for (const r of e.recipients) if (this.hooked.has(r)) this.wake(r);
    }
  };

  /** The app's webhook was set, resumed or deleted. */
  async changed(appId: string): Promise<void> {
    let rec: WebhookRecord | undefined;
    try {
      rec = await this.deps.storage.webhooks.get(appId);
    } catch (err) {
      this.deps.log.error({ err, appId }, "could not read a webhook; the next poll picks it up");
      return;
    }
    this.refusedUntil.delete(appId);
    if (rec?.webhook.status === "active") {
      this.hooked.add(appId);
      this.wake(appId);
    } else {
      this.hooked.delete(appId);
      this.clearTimer(appId);
    }
  }

  /** Stop: abort requests in flight (their events stay undelivered) and wait for the loops to end. */
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
        for (const appId of held) await this.deps.storage.webhooks.releaseLease(appId, this.nodeId);
      })
      .catch((err: unknown) => this.deps.log.warn({ err }, "could not release webhook leases; they expire"));
  }

  private async poll(): Promise<void> {
    try {
      this.hooked = new Set(await this.deps.storage.webhooks.activeApps());
    } catch (err) {
      this.deps.log.error({ err }, "could not list webhooks; retrying at the next poll");
      return;
    }
    for (const appId of this.hooked) this.wake(appId);
  }

  private wake(appId: string): void {
    if (this.stopped) return;
    if (this.running.has(appId)) {
      this.again.add(appId);
      return;
    }
    this.clearTimer(appId);
    const run = this.run(appId).finally(() => {
      this.running.delete(appId);
      if (this.again.delete(appId)) this.wake(appId);
    });
    this.running.set(appId, run);
  }

  private later(appId: string, delayMs: number): void {
    if (this.stopped) return;
    this.clearTimer(appId);
    const timer = setTimeout(() => {
      this.timers.delete(appId);
      this.wake(appId);
    }, delayMs);
    timer.unref();
    this.timers.set(appId, timer);
  }

  private clearTimer(appId: string): void {
    const t = this.timers.get(appId);
    if (t) clearTimeout(t);
    this.timers.delete(appId);
  }

  /** Deliver the app's events until none is left, one fails, or the webhook is paused or gone. */
  private async run(appId: string): Promise<void> {
    const { storage, commit } = this.deps;
    try {
      while (!this.stopped) {
        const rec = await storage.webhooks.get(appId);
        if (!rec || rec.webhook.status !== "active") {
          this.hooked.delete(appId);
          return;
        }
        const now = Date.now();
        if (rec.nextAttemptAt > now) return this.later(appId, rec.nextAttemptAt - now);
        const [event] = await storage.events.after(appId, rec.deliveredThrough, 1);
        if (!event) return;
        const refused = this.refusedUntil.get(appId) ?? 0;
        if (refused > now) return this.later(appId, refused - now);
        if (!(await this.holdLease(appId, now))) {
          // Another node delivers this app's events; look again when its lease could have expired.
          this.refusedUntil.set(appId, now + LEASE_RETRY_MS);
          return this.later(appId, LEASE_RETRY_MS);
        }
        const result = await this.post(rec, event);
        if (this.stopped) return;
        const attempt = rec.attempts + 1;
        const at = nowIso();
        const outcome = result.ok ? "delivered" : "failed";
        this.deps.metrics.webhookDeliveries.inc({ kind: "event", outcome });
        this.deps.metrics.webhookSeconds.observe({ kind: "event", outcome }, result.durationMs / 1000);
        const attemptRow = {
          appId,
          eventCursor: event.cursor,
          method: event.method,
          attempt,
          outcome,
          httpStatus: result.status,
          error: result.ok ? undefined : result.error,
          durationMs: result.durationMs,
          at,
        } as const;
        if (result.ok) {
          const moved = await commit(async () => {
            await storage.webhooks.logAttempt(attemptRow, this.deps.config.webhookDeliveriesKept);
            return storage.webhooks.advance(appId, event.cursor, this.nodeId, Date.now());
          });
          // Not moved: the lease was lost (or the webhook replaced); take it again before the next request.
          if (!moved) this.leaseUntil.delete(appId);
          continue;
        }
        const schedule = this.deps.config.webhookRetrySchedule;
        const pause = attempt > schedule.length;
        const delay = pause ? 0 : schedule[attempt - 1]!;
        this.deps.log.warn(
          {
            appId,
            webhookId: `${appId}.${event.cursor}`,
            host: safeHost(rec.webhook.url),
            method: event.method,
            attempt,
            httpStatus: result.status,
            error: result.error,
            ...(pause ? { paused: true } : { retryInMs: delay }),
          },
          pause ? "webhook delivery failed; retry schedule exhausted, webhook paused" : "webhook delivery failed",
        );
        await commit(async () => {
          await storage.webhooks.logAttempt(attemptRow, this.deps.config.webhookDeliveriesKept);
          if (pause) {
            const failure = `${result.error} (event ${event.cursor}, ${attempt} attempts)`;
            await storage.webhooks.pause(appId, rec.deliveredThrough, attempt, failure, at, this.nodeId, Date.now());
          } else {
            await storage.webhooks.retryLater(
              appId,
              rec.deliveredThrough,
              attempt,
              Date.now() + delay,
              this.nodeId,
              Date.now(),
            );
          }
        });
        if (pause) this.hooked.delete(appId);
        else this.later(appId, delay);
        return;
      }
    } catch (err) {
      this.deps.log.error({ err, appId }, "webhook delivery loop failed; trying again shortly");
      this.later(appId, ERROR_BACKOFF_MS);
    }
  }

  /** Take or renew the app's lease when less than a request's worth of it is left. */
  private async holdLease(appId: string, now: number): Promise<boolean> {
    const until = this.leaseUntil.get(appId) ?? 0;
    if (until - now > 2 * this.deps.config.webhookTimeoutMs) return true;
    const expires = now + this.leaseMs;
    const held = await this.deps.commit(() => this.deps.storage.webhooks.lease(appId, this.nodeId, now, expires));
    if (held) this.leaseUntil.set(appId, expires);
    else this.leaseUntil.delete(appId);
    return held;
  }

  private post(rec: WebhookRecord, event: LoggedEvent): Promise<PostResult> {
    const body = framePrefix(event.method) + event.cursor + frameSuffix(event.params);
    const id = `${rec.appId}.${event.cursor}`;
    return postWebhook(rec.webhook.url, signedHeaders(this.deps.sealer, rec, id, body), body, {
      allowPrivate: this.deps.config.webhookAllowPrivate,
      timeoutMs: this.deps.config.webhookTimeoutMs,
      maxResponseBytes: this.deps.config.webhookMaxResponseBytes,
      signal: this.aborts.signal,
    });
  }
}

/** The Standard Webhooks headers for one request; during a rotation both secrets sign. */
export const signedHeaders = (sealer: Sealer, rec: WebhookRecord, id: string, body: string): Record<string, string> => {
  const now = Date.now();
  const secrets = [sealer.open(rec.secret)];
  if (rec.previousSecret !== undefined && (rec.previousUntil ?? 0) > now) secrets.push(sealer.open(rec.previousSecret));
  const timestamp = Math.floor(now / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatureHeader(secrets, id, timestamp, body),
  };
};

/** The URL's host, for logs: a path or query may carry a credential of the app's. */
export const safeHost = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
};
