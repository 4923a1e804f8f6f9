import type { Schema } from "effect";
import type { NotificationDef } from "../protocol/index.ts";
import type { Emitted, Outcome, Storage } from "../storage/index.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

export type { Emitted } from "../storage/index.ts";

/** What a write job may do besides storage calls: append events for the fan-out. */
export interface Tx {
  /** Log a notification for these principals, in this transaction. */
  emit<N extends NotificationDef>(def: N, recipients: Iterable<string>, params: Schema.Schema.Type<N["params"]>): void;
}

interface Job {
  readonly fn: (tx: Tx) => unknown;
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
}

interface Pending {
  readonly method: string;
  readonly paramsJson: string;
  readonly recipients: string[];
}

/** At most this many jobs share one transaction, so one flush never holds the loop for long. */
const MAX_JOBS_PER_COMMIT = 2048;

/**
 * Group commit. Writes that arrive together (every frame read in one turn of
 * the event loop) are handed to storage as one group: on SQLite they share
 * one transaction and one fsync, each job in its own savepoint; on
 * PostgreSQL they run side by side in one transaction, and run again each
 * in its own when one fails (storage/transactions.ts). A job that throws
 * rolls back alone. Nothing is acknowledged before the commit:
 * promises resolve only after it.
 *
 * A job may await storage calls and nothing else, and may be run more than
 * once (see storage/transactions.ts). The events it emits are appended to the
 * log at its end, in its transaction. When the log gives their cursors at
 * once (SQLite), they are pushed right after the commit and before the jobs'
 * promises resolve; otherwise the log's feed pushes them (PostgreSQL).
 */
export class Committer {
  private queue: Job[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly storage: Storage,
    private readonly deliver: (events: ReadonlyArray<Emitted>) => void,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Run `fn` inside the next group; resolves once its transaction has committed. */
  run<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: never) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Resolves once every job queued so far has committed or failed. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** A job as storage runs it: the caller's function, then its events appended in the same transaction. */
  private wrap(job: Job): () => Promise<{ value: unknown; emitted: Emitted[] }> {
    const { events } = this.storage;
    return async () => {
      const pending: Pending[] = [];
      const tx: Tx = {
        emit: (def, recipients, params) => {
          const unique = [...new Set(recipients)];
          if (unique.length > 0)
            pending.push({ method: def.name, paramsJson: JSON.stringify(params), recipients: unique });
        },
      };
      const value = await job.fn(tx);
      const emitted: Emitted[] = [];
      const now = Date.now();
      for (const e of pending) {
        const cursors = await events.append(e.method, e.paramsJson, e.recipients, now);
        if (cursors) emitted.push({ ...e, cursors });
      }
      return { value, emitted };
    };
  }

  private readonly flush = (): void => {
    const jobs = this.queue.length > MAX_JOBS_PER_COMMIT ? this.queue.splice(0, MAX_JOBS_PER_COMMIT) : this.queue;
    if (jobs === this.queue) this.queue = [];
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(this.flush);
    this.inFlight++;
    const started = performance.now();
    this.storage.transactions
      .runAll(jobs.map((j) => this.wrap(j)))
      .then(
        (outcomes) => this.settle(jobs, outcomes, started),
        (error: unknown) => {
          this.log.error({ err: error, jobs: jobs.length }, "commit failed; every write of the group is rolled back");
          for (const job of jobs) job.reject(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        this.afterFlush();
      });
  };

  private settle(jobs: Job[], outcomes: Outcome[], started: number): void {
    this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    this.metrics.commitBatch.observe(jobs.length);
    const emitted: Emitted[] = [];
    for (const o of outcomes) if (o.ok) for (const e of (o.value as { emitted: Emitted[] }).emitted) emitted.push(e);
    if (emitted.length > 0) {
      try {
        this.deliver(emitted);
      } catch (error) {
        this.log.error({ err: error }, "fan-out failed after commit; clients recover the events by resume");
      }
    }
    for (let i = 0; i < jobs.length; i++) {
      const o = outcomes[i]!;
      if (o.ok) jobs[i]!.resolve((o.value as { value: never }).value);
      else jobs[i]!.reject(o.error);
    }
  }

  private afterFlush(): void {
    if (this.queue.length > 0 || this.scheduled || this.inFlight > 0) return;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
