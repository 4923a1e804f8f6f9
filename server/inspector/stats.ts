import type { OverviewSample } from "../../protocol/index.ts";
import type { AppCallbacks } from "../callbacks.ts";
import { CloseCode } from "../limits.ts";
import type { Metrics } from "../metrics.ts";
import type { Sessions } from "../sessions.ts";
import type { InspectorFeed } from "./feed.ts";

/** One sample a second, kept for five minutes: the overview's charts. */
const SAMPLE_MS = 1000;
const KEEP = 300;

export interface Totals {
  readonly messages: number;
  readonly commits: number;
  readonly commitSeconds: number;
  readonly commitJobs: number;
  readonly slowConsumerCloses: number;
  readonly callbacks: number;
}

type SocketType = "agent" | "app" | "user" | "admin" | "anonymous";

/**
 * Counts for the inspector's overview. Rates come from the hub's own
 * Prometheus counters (the ones GET /metrics serves) and the feed's message
 * count, sampled once a second; nothing here is on a request's path.
 */
export class HubStats {
  readonly startedAt = new Date().toISOString();
  private readonly samples: OverviewSample[] = [];
  private last: Totals | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: Sessions,
    private readonly callbacks: AppCallbacks,
    private readonly metrics: Metrics,
    private readonly feed: InspectorFeed,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  history(): ReadonlyArray<OverviewSample> {
    return this.samples;
  }

  /** Sockets by principal type, and agents with at least one socket. */
  sockets(): { counts: Record<SocketType, number>; agentsOnline: number } {
    const counts: Record<SocketType, number> = { agent: 0, app: 0, user: 0, admin: 0, anonymous: 0 };
    const agents = new Set<string>();
    for (const s of this.sessions.each()) {
      const p = s.principal;
      counts[p?.type ?? "anonymous"]++;
      if (p?.type === "agent") agents.add(p.id);
    }
    return { counts, agentsOnline: agents.size };
  }

  async totals(): Promise<Totals> {
    const [commitSeconds, commitBatch, closes, callbacks] = await Promise.all([
      this.metrics.commitSeconds.get(),
      this.metrics.commitBatch.get(),
      this.metrics.closes.get(),
      this.metrics.callbacks.get(),
    ]);
    const valueOf = (values: ReadonlyArray<{ metricName?: string; value: number }>, name: string) =>
      values.find((v) => v.metricName === name)?.value ?? 0;
    return {
      messages: this.feed.messages,
      commits: valueOf(commitSeconds.values, "switchboard_commit_seconds_count"),
      commitSeconds: valueOf(commitSeconds.values, "switchboard_commit_seconds_sum"),
      commitJobs: valueOf(commitBatch.values, "switchboard_commit_batch_jobs_sum"),
      slowConsumerCloses: closes.values
        .filter((v) => v.labels.code === String(CloseCode.slowConsumer))
        .reduce((n, v) => n + v.value, 0),
      callbacks: callbacks.values.reduce((n, v) => n + v.value, 0),
    };
  }

  private async sample(): Promise<void> {
    const now = await this.totals();
    const before = this.last ?? now;
    this.last = now;
    const commits = now.commits - before.commits;
    const { counts, agentsOnline } = this.sockets();
    this.samples.push({
      at: new Date().toISOString(),
      agentsOnline,
      sockets: Object.values(counts).reduce((a, b) => a + b, 0),
      messagesPerSecond: ((now.messages - before.messages) * 1000) / SAMPLE_MS,
      commitsPerSecond: (commits * 1000) / SAMPLE_MS,
      commitMs: commits > 0 ? round(((now.commitSeconds - before.commitSeconds) * 1000) / commits) : 0,
      commitGroup: commits > 0 ? round((now.commitJobs - before.commitJobs) / commits) : 0,
      callbacksInFlight: this.callbacks.inFlight(),
      slowConsumerCloses: now.slowConsumerCloses - before.slowConsumerCloses,
    });
    if (this.samples.length > KEEP) this.samples.splice(0, this.samples.length - KEEP);
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
