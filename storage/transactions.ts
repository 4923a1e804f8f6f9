import type { Db } from "./db.ts";
import type { TxCaches } from "./cache.ts";
import type { PostgresSql } from "./sql.ts";

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
]);
const MAX_ATTEMPTS = 5;

const sqlState = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;

/**
 * PostgreSQL: each job is its own transaction on a pooled connection, and
 * jobs run concurrently; the server groups their commits into shared WAL
 * flushes. A job that lost a race is run again from the start.
 */
export const postgresTransactions = (sql: PostgresSql): Transactions => {
  const runOne = async (job: () => Promise<unknown>): Promise<Outcome> => {
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
  return { runAll: (jobs) => Promise.all(jobs.map(runOne)) };
};
