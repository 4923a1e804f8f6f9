import type { Db } from "./db.ts";
import type { TxCaches } from "./cache.ts";
import { GroupFailure, SeqBusy, type PostgresSql } from "./sql.ts";

export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * How writes commit, on either engine.
 *
 * `runAll(jobs)` runs every job atomically and resolves, once all of them are
 * durable, with one outcome per job, in order. A job that throws is rolled
 * back alone: the others still commit. A job may await storage calls and
 * nothing else (never a socket, an app or a timer), and it may run more than
 * once (PostgreSQL retries a transaction that lost a race), so it has no
 * effect outside storage until its outcome is known. The promise rejects only
 * when the whole group failed (the database could not commit).
 */
export interface Transactions {
  runAll(jobs: ReadonlyArray<() => Promise<unknown>>): Promise<Outcome[]>;
}

/**
 * SQLite: jobs given together share one transaction and one fsync, each in
 * its own savepoint. They run one after another; since every storage call on
 * SQLite settles at once, the whole group runs without yielding to the event
 * loop, so no other code sees its uncommitted state.
 */
export const sqliteTransactions = (db: Db, caches: TxCaches): Transactions => {
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  const savepoint = db.prepare("SAVEPOINT job");
  const release = db.prepare("RELEASE job");
  const rollbackTo = db.prepare("ROLLBACK TO job");
  const runGroup = async (jobs: ReadonlyArray<() => Promise<unknown>>): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    begin.run();
    try {
      for (const job of jobs) {
        savepoint.run();
        try {
          const value = await job();
          release.run();
          caches.keep();
          outcomes.push({ ok: true, value });
        } catch (error) {
          rollbackTo.run();
          release.run();
          caches.undo();
          outcomes.push({ ok: false, error });
        }
      }
      commit.run();
    } catch (error) {
      if (db.inTransaction) rollback.run();
      caches.clear();
      throw error;
    }
    return outcomes;
  };
  // Groups never overlap: a job that awaited something slow (it must not) would otherwise let the next
  // group's BEGIN fall inside this transaction.
  let last: Promise<unknown> = Promise.resolve();
  return {
    runAll(jobs) {
      const run = last.then(
        () => runGroup(jobs),
        () => runGroup(jobs),
      );
      last = run;
      return run;
    },
  };
};

/** SQLSTATEs after which the same transaction, run again, can succeed. */
const RETRYABLE = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "23505", // unique_violation: a concurrent writer took the key; the job's own check finds it on the next run
  "55P03", // lock_not_available: a job of a commit group found a lock held; on its own it waits for it
]);
const MAX_ATTEMPTS = 5;

const sqlState = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;

/** A merged group of jobs is cut at this size; what is left waits for the next group. */
const MAX_GROUP = 2048;

type Job = () => Promise<unknown>;

/**
 * PostgreSQL: the jobs of a group run side by side in one transaction on one
 * connection (`PostgresSql.group`): postgres.js writes their statements
 * together, and the group pays for one BEGIN, one COMMIT and one WAL flush.
 *
 * A job that finds a conversation's seq lock held by another transaction
 * (another node's group, most often) is set aside before it writes, and the
 * rest of the group commits. The jobs set aside then run together in one
 * more transaction that first waits for all their conversations' locks, in
 * ascending order (`lockFirst`), before the node's next group starts, so a
 * sender's messages keep their order.
 *
 * If some jobs fail, the group rolls back; the others run again as a group
 * (once), and the failed ones each in a transaction of its own, side by
 * side on the pool, where a job that lost a race is run again from the
 * start. A job's failure is only reported from a transaction of its own (or
 * a group of one): in a group it may have seen another job's writes that
 * then rolled back.
 *
 * One group is in flight per node; groups handed over meanwhile are merged
 * into the next, so a group grows with the load. A node's groups never wait
 * for another transaction's seq lock; only the transaction of the jobs set
 * aside does, and it takes its locks in one order, before any write. (Starting
 * the next group as soon as the previous one had sent its COMMIT, which cannot
 * deadlock either, raised direct throughput by about a fifth but made the
 * groups large and slow and the latency at 1,000 msg/s far worse:
 * docs/PERFORMANCE.md.)
 */
export const postgresTransactions = (sql: PostgresSql): Transactions => {
  const runOne = async (job: Job): Promise<Outcome> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await sql.transaction(job) };
      } catch (error) {
        const state = sqlState(error);
        if (attempt < MAX_ATTEMPTS && state !== undefined && RETRYABLE.has(state)) continue;
        return { ok: false, error };
      }
    }
  };
  const alone = (jobs: ReadonlyArray<Job>) => Promise.all(jobs.map(runOne));

  /** Run `jobs` as a group; `retry`: whether the jobs that did not fail may form one more group. */
  const runGroup = async (jobs: ReadonlyArray<Job>, retry: boolean): Promise<Outcome[]> => {
    let results: Awaited<ReturnType<typeof sql.group>>;
    try {
      results = await sql.group(jobs);
    } catch (failure) {
      return recover(jobs, retry, failure);
    }
    const setAside = results.filter((r) => r instanceof SeqBusy);
    const again =
      setAside.length === 0
        ? []
        : await runLocked(
            jobs.filter((_, i) => results[i] instanceof SeqBusy),
            setAside.map((b) => b.lockKey),
          );
    let a = 0;
    return results.map((r): Outcome => (r instanceof SeqBusy ? again[a++]! : { ok: true, value: r.value }));
  };

  /** A group of `jobs` rolled back with `failure`: run them again, as `runGroup` says. */
  const recover = async (jobs: ReadonlyArray<Job>, retry: boolean, failure: unknown): Promise<Outcome[]> => {
    if (jobs.length === 1) {
      // It ran alone: its own failure, unless it lost a race.
      const error = failure instanceof GroupFailure ? failure.cause : failure;
      const state = sqlState(error);
      return error instanceof SeqBusy || (state !== undefined && RETRYABLE.has(state))
        ? alone(jobs)
        : [{ ok: false, error }];
    }
    if (!(failure instanceof GroupFailure) || !retry) return alone(jobs);
    const rejected = failure.rejected;
    const kept = jobs.filter((_, i) => !rejected[i]);
    const [keptOutcomes, rejectedOutcomes] = await Promise.all([
      kept.length > 1 ? runGroup(kept, false) : alone(kept),
      alone(jobs.filter((_, i) => rejected[i])),
    ]);
    let [k, r] = [0, 0];
    return jobs.map((_, i) => (rejected[i] ? rejectedOutcomes[r++]! : keptOutcomes[k++]!));
  };

  /** The jobs set aside by a group, together, once the locks of `keys` are held; each on its own if that fails. */
  const runLocked = async (jobs: ReadonlyArray<Job>, keys: ReadonlyArray<number>): Promise<Outcome[]> => {
    let results: Awaited<ReturnType<typeof sql.group>>;
    try {
      results = await sql.group(jobs, keys);
    } catch {
      // a job failed, or the transaction lost a race: each runs again on its own, which tells them apart
      return alone(jobs);
    }
    // Holding its locks, the group waits for seq locks instead of setting a job aside; a job that still
    // was (none should be) runs on its own.
    return Promise.all(results.map((r, i) => (r instanceof SeqBusy ? runOne(jobs[i]!) : { ok: true, value: r.value })));
  };

  interface Waiting {
    readonly jobs: ReadonlyArray<Job>;
    readonly resolve: (outcomes: Outcome[]) => void;
  }
  let waiting: Waiting[] = [];
  let running = false;
  const pump = async () => {
    running = true;
    while (waiting.length > 0) {
      let size = 0;
      let take = 0;
      while (take < waiting.length && (take === 0 || size + waiting[take]!.jobs.length <= MAX_GROUP)) {
        size += waiting[take]!.jobs.length;
        take++;
      }
      const batch = waiting.slice(0, take);
      waiting = waiting.slice(take);
      const jobs = batch.flatMap((w) => w.jobs);
      const outcomes = await runGroup(jobs, true).catch((error: unknown) =>
        jobs.map((): Outcome => ({ ok: false, error })),
      );
      let at = 0;
      for (const w of batch) {
        w.resolve(outcomes.slice(at, at + w.jobs.length));
        at += w.jobs.length;
      }
    }
    running = false;
  };
  return {
    runAll: (jobs) =>
      new Promise<Outcome[]>((resolve) => {
        waiting.push({ jobs, resolve });
        if (!running) void pump();
      }),
  };
};
