import type { Schema } from "effect";
import type { NotificationDef } from "../protocol/index.ts";
import type { Storage } from "../storage/index.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

/** An event appended by a committed write, ready to push: one entry per recipient. */
export interface Emitted {
  readonly method: string;
  /** The params as JSON, without `cursor`: serialized once for every recipient. */
  readonly paramsJson: string;
  readonly recipients: ReadonlyArray<string>;
  readonly cursors: ReadonlyArray<number>;
}

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

/** At most this many jobs share one transaction, so one flush never holds the loop for long. */
const MAX_JOBS_PER_COMMIT = 2048;

/**
 * Group commit. Writes that arrive together (every frame read in one turn of
 * the event loop) run in one SQLite transaction and share one fsync. Each job
 * runs in its own savepoint, so a job that throws rolls back alone and the
 * others commit. Nothing is acknowledged before the commit: promises resolve,
 * and events are pushed, only after it.
 */
export class Committer {
  private queue: Job[] = [];
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly runJob: (fn: (tx: Tx) => unknown, tx: Tx) => unknown;
  private readonly commitAll: (jobs: Job[], outcomes: Outcome[], emitted: Emitted[]) => void;

  constructor(
    private readonly storage: Storage,
    private readonly deliver: (events: ReadonlyArray<Emitted>) => void,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    const { db, events, caches } = storage;
    this.runJob = db.transaction((fn: (tx: Tx) => unknown, tx: Tx) => fn(tx));
    const commitAll = db.transaction((jobs: Job[], outcomes: Outcome[], emitted: Emitted[]) => {
      for (const job of jobs) {
        const pending: Emitted[] = [];
        const tx: Tx = {
          emit: (def, recipients, params) => {
            const unique = [...new Set(recipients)];
            if (unique.length === 0) return;
            const paramsJson = JSON.stringify(params);
            const cursors = events.append(def.name, paramsJson, unique, Date.now());
            pending.push({ method: def.name, paramsJson, recipients: unique, cursors });
          },
        };
        try {
          outcomes.push({ ok: true, value: this.runJob(job.fn, tx) });
          caches.keep();
          for (const e of pending) emitted.push(e);
        } catch (error) {
          caches.undo();
          outcomes.push({ ok: false, error });
        }
      }
    });
    this.commitAll = (jobs, outcomes, emitted) => commitAll.immediate(jobs, outcomes, emitted);
  }

  /** Run `fn` inside the next group transaction; resolves once that transaction has committed. */
  run<T>(fn: (tx: Tx) => T): Promise<T> {
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
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private readonly flush = (): void => {
    const jobs = this.queue.length > MAX_JOBS_PER_COMMIT ? this.queue.splice(0, MAX_JOBS_PER_COMMIT) : this.queue;
    if (jobs === this.queue) this.queue = [];
    const outcomes: Outcome[] = [];
    const emitted: Emitted[] = [];
    const started = performance.now();
    try {
      this.commitAll(jobs, outcomes, emitted);
    } catch (error) {
      this.log.error({ err: error, jobs: jobs.length }, "commit failed; every write of the group is rolled back");
      this.storage.caches.clear();
      for (const job of jobs) job.reject(error);
      this.afterFlush();
      return;
    }
    this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    this.metrics.commitBatch.observe(jobs.length);
    try {
      this.deliver(emitted);
    } catch (error) {
      this.log.error({ err: error }, "fan-out failed after commit; clients recover the events by resume");
    }
    for (let i = 0; i < jobs.length; i++) {
      const o = outcomes[i]!;
      if (o.ok) jobs[i]!.resolve(o.value as never);
      else jobs[i]!.reject(o.error);
    }
    this.afterFlush();
  };

  private afterFlush(): void {
    if (this.queue.length > 0) {
      setImmediate(this.flush);
      return;
    }
    this.scheduled = false;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };
