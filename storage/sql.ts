import { AsyncLocalStorage } from "node:async_hooks";
import type BetterSqlite3 from "better-sqlite3";
import type postgres from "postgres";

export type Engine = "sqlite" | "postgres";

/**
 * One statement, prepared once, run on whichever engine the storage was
 * opened on. Every method is asynchronous because PostgreSQL is; on SQLite
 * the promise is already settled when it is returned, so awaiting it costs a
 * microtask and nothing else runs in between.
 */
export interface Statement<P extends unknown[], R> {
  /** The first row, or undefined. */
  get(...params: P): Promise<R | undefined>;
  all(...params: P): Promise<R[]>;
  /** For statements that return no rows: how many rows it changed. */
  run(...params: P): Promise<number>;
}

export interface StatementOptions {
  /**
   * The statement takes a number whose order its events must follow (a
   * conversation's seq): PostgreSQL appends the events of a commit group's
   * jobs in the order their ordered statements ran (`PostgresSql.group`).
   */
  readonly ordered?: boolean;
}

/**
 * The SQL the storage modules are written against: `?` placeholders (turned
 * into `$n` for PostgreSQL), and the small set of differences between the two
 * dialects spelled out where they occur (`engine`). Integers come back as
 * numbers on both engines.
 */
export interface Sql {
  readonly engine: Engine;
  prepare<P extends unknown[] = unknown[], R = unknown>(text: string, options?: StatementOptions): Statement<P, R>;
  /** True while the caller runs inside a transaction of this storage. */
  inTransaction(): boolean;
  /**
   * True while the caller runs in a job of a PostgreSQL commit group
   * (`PostgresSql.group`) that must not wait for a conversation's seq lock
   * held by another transaction: the append answers `SeqBusy` instead, and
   * the job runs again in a group that took its locks first.
   */
  mustNotWait(): boolean;
}

export const sqliteSql = (db: BetterSqlite3.Database): Sql => ({
  engine: "sqlite",
  prepare<P extends unknown[], R>(text: string): Statement<P, R> {
    const stmt = db.prepare<unknown[], R>(text);
    if (!stmt.reader) {
      return {
        get: () => Promise.reject(new Error(`not a query: ${text}`)),
        all: () => Promise.reject(new Error(`not a query: ${text}`)),
        run: (...params) => Promise.resolve(stmt.run(...params).changes),
      };
    }
    return {
      get: (...params) => Promise.resolve(stmt.get(...params)),
      all: (...params) => Promise.resolve(stmt.all(...params)),
      run: (...params) => Promise.resolve(stmt.run(...params).changes),
    };
  },
  inTransaction: () => db.inTransaction,
  mustNotWait: () => false,
});

/** `?` placeholders as PostgreSQL's `$1, $2, …`; the storage's SQL has no `?` inside string literals. */
export const toDollarParams = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

/** Whether a statement only reads: its changed-row count then says nothing about a job having written. */
const isRead = (text: string): boolean => /^\s*SELECT\b/i.test(text);

/**
 * PostgreSQL through postgres.js. A transaction's connection is found through
 * AsyncLocalStorage, so the same storage functions run inside a transaction
 * (on its connection) or outside (on any pooled one) without passing a handle.
 */
export class PostgresSql implements Sql {
  readonly engine = "postgres" as const;
  private readonly current = new AsyncLocalStorage<Scope>();
  private readonly committing: Array<(tx: PostgresTransaction) => void> = [];
  private readonly committed: Array<(tx: PostgresTransaction) => void> = [];

  private readonly lockAll: Statement<[number[]], unknown>;

  constructor(readonly pool: postgres.Sql) {
    this.lockAll = this.prepare("SELECT switchboard_seq_lock_all(CAST(? AS bigint[]))");
  }

  /**
   * Call `fn` in each transaction of this Sql once its work is done, just
   * before COMMIT, in the transaction's scope: statements it sends (with
   * `defer`) go out in the same write as COMMIT. A throw rolls back.
   */
  beforeCommit(fn: (tx: PostgresTransaction) => void): void {
    this.committing.push(fn);
  }

  /** Call `fn` after each transaction of this Sql has committed (not after one that rolled back). */
  afterCommit(fn: (tx: PostgresTransaction) => void): void {
    this.committed.push(fn);
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(text: string, options?: StatementOptions): Statement<P, R> {
    const pgText = toDollarParams(text);
    const ordered = options?.ordered === true;
    const reads = isRead(text);
    const exec = (params: unknown[]) =>
      this.exec(pgText, params, (scope, rows) => {
        if (ordered && scope?.job) scope.job.orders.push(++scope.tx.orderedStatements);
        if (!reads && rows.count > 0 && scope?.job) scope.job.wrote = true;
      });
    return {
      get: async (...params) => (await exec(params))[0] as R | undefined,
      all: async (...params) => [...(await exec(params))] as R[],
      run: async (...params) => (await exec(params)).count,
    };
  }

  /**
   * A statement that callers make together: the calls that the jobs of one
   * commit group's transaction make before the next microtask go out as one
   * statement, not one each; so do the reads made outside any transaction
   * before the end of the event loop's turn (every frame read in it).
   * `params` turns the calls into the statement's parameters (arrays, one
   * element per call, in call order); the statement returns at most one row
   * per call, with the call's `key`. Other calls (in a transaction that is
   * not a group; a write outside any) are a statement each.
   *
   * Sending a job's statement a little later, together with others', is a
   * schedule the group's jobs could have run in anyway: each job awaits its
   * call, so none of its own statements can go out in between, and the jobs
   * of a group run side by side (see `group`). For the group's bookkeeping
   * each call counts as a statement of its job: `ordered` numbers them in
   * call order, and a call that got a row (of a statement that writes) has
   * written. A read outside a transaction sees what had committed when the
   * batch ran, which is later than when it was asked, never earlier.
   */
  prepareBatch<A, K, R extends { readonly key: K }>(
    text: string,
    options: {
      readonly params: (calls: ReadonlyArray<A>) => unknown[];
      readonly key: (call: A) => K;
      readonly ordered?: boolean;
    },
  ): (call: A) => Promise<R | undefined> {
    const one = this.prepare<unknown[], R>(text, { ordered: options.ordered === true });
    const pgText = toDollarParams(text);
    const reads = isRead(text);
    interface Call {
      readonly call: A;
      /** Its job in a commit group; none for a read made outside any transaction. */
      readonly job: GroupJob | undefined;
      readonly resolve: (row: R | undefined) => void;
      readonly reject: (error: unknown) => void;
    }
    /** The calls waiting to go out: per transaction, and those made outside any (`pool`). */
    const waiting = new WeakMap<object, Call[]>();
    const pool = {};
    const send = (tx: PostgresTransaction | undefined, calls: Call[]) => {
      let byKey: Map<K, R> | undefined; // set by `answer`, first thing once the rows are in
      const answer = (_: unknown, rows: postgres.RowList<postgres.Row[]>) => {
        byKey = new Map((rows as unknown as R[]).map((r) => [r.key, r]));
        if (!tx) return;
        for (const c of calls) {
          if (options.ordered === true) c.job!.orders.push(++tx.orderedStatements);
          if (!reads && byKey.has(options.key(c.call))) c.job!.wrote = true;
        }
      };
      const params = options.params(calls.map((c) => c.call));
      const sent = tx
        ? this.current.run({ tx, job: undefined }, () => this.exec(pgText, params, answer))
        : this.exec(pgText, params, answer);
      sent.then(
        () => {
          for (const c of calls) c.resolve(byKey!.get(options.key(c.call)));
        },
        (error: unknown) => {
          for (const c of calls) c.reject(error);
        },
      );
    };
    return (call) => {
      const scope = this.current.getStore();
      const job = scope?.job;
      const tx = job ? scope!.tx : undefined;
      const target = tx ?? (scope === undefined && reads ? pool : undefined);
      if (target === undefined) {
        const key = options.key(call);
        return one.all(...options.params([call])).then((rows) => rows.find((r) => r.key === key));
      }
      let calls = waiting.get(target);
      if (!calls) {
        const batch: Call[] = [];
        waiting.set(target, (calls = batch));
        const flush = () => {
          waiting.delete(target);
          send(tx, batch);
        };
        // A group's jobs start together, so a microtask gathers them; calls outside any transaction come
        // from the frames of many sockets, each read in an I/O callback of its own, so the batch waits
        // for the end of this turn of the event loop (as the commit groups do, server/committer.ts).
        if (tx) queueMicrotask(flush);
        else setImmediate(flush);
      }
      const batch = calls;
      return new Promise<R | undefined>((resolve, reject) => batch.push({ call, job, resolve, reject }));
    };
  }

  /** `prepareBatch` for reads of one row by key: `text` takes the keys as its one parameter, an array. */
  prepareLookup<K extends string | number, R extends { readonly key: K }>(
    text: string,
  ): (key: K) => Promise<R | undefined> {
    return this.prepareBatch<K, K, R>(text, { params: (keys) => [keys], key: (k) => k });
  }

  /**
   * Run one statement in the caller's transaction (or on the pool), and call
   * `onResult` first thing once its result is in: results arrive, and
   * resolve, in the order the statements ran on the connection, so it can
   * number statements in that order.
   */
  private async exec(
    pgText: string,
    params: unknown[],
    onResult: (scope: Scope | undefined, rows: postgres.RowList<postgres.Row[]>) => void,
  ): Promise<postgres.RowList<postgres.Row[]>> {
    const scope = this.current.getStore();
    const tx = scope?.tx;
    try {
      const rows = await (tx?.sql ?? this.pool).unsafe(pgText, params as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      });
      onResult(scope, rows);
      return rows;
    } catch (error) {
      // as postgres.js's own begin does: a failed statement fails its transaction, even if the job caught it
      if (tx && tx.failed === undefined) tx.failed = { error };
      throw error;
    }
  }

  /**
   * Send a statement of the current transaction whose result nobody needs,
   * without waiting for it: the transaction's COMMIT goes out behind it in
   * the same write, and fails the transaction if the statement failed.
   */
  defer(statement: Promise<unknown>): void {
    const scope = this.current.getStore();
    const tx = scope?.tx;
    if (!tx) throw new Error("defer runs inside a transaction");
    if (scope.job) scope.job.wrote = true; // its result comes later: count it as a write now
    // exec has recorded a failure in tx.failed; the COMMIT turns it into the transaction's error
    tx.deferred.push(statement.catch(() => undefined));
  }

  inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  /** The transaction the caller runs in, if any. */
  transactionOf(): PostgresTransaction | undefined {
    return this.current.getStore()?.tx;
  }

  mustNotWait(): boolean {
    return this.current.getStore()?.job?.mustNotWait === true;
  }

  /** The job of a commit group (`group`) the caller runs in, if any. */
  groupJobOf(): GroupJob | undefined {
    return this.current.getStore()?.job;
  }

  /**
   * Run `jobs` side by side in one transaction on one connection, so that
   * postgres.js writes their statements together and the group pays for one
   * BEGIN, one COMMIT and one WAL flush. Resolves once committed, with each
   * job's value, or `SeqBusy` for a job set aside: it found a conversation's
   * seq lock held (or taken by a later transaction) before it had written
   * anything, so the others commit without it and it runs again
   * (storage/transactions.ts). Rejects, with everything rolled back, when
   * any job failed otherwise, when the database refused the transaction (a
   * lost race), or when the events' order cannot be told (a job whose
   * ordered statements interleave with another's): the caller then runs the
   * jobs again, each on its own.
   *
   * `lockFirst`: the advisory-lock keys to wait for, in ascending order,
   * before any job runs; the jobs may then wait for seq locks (they hold
   * them already), and none is set aside. Without it, a job never waits for
   * a seq lock (`mustNotWait`), so groups never wait for each other.
   *
   * A job's event-log appends wait until every job has finished
   * (`GroupJob.atEnd`), and then take their ordinals in the order the jobs'
   * ordered statements ran, so cursor order follows seq order within the
   * group; the whole group's appends then go as one statement, before
   * COMMIT (storage/postgres/events.ts).
   * Jobs run side by side see each other's writes as they happen; they
   * already ran side by side before, in transactions of their own at READ
   * COMMITTED, so a job never relied on seeing others' writes only whole.
   */
  async group(
    jobs: ReadonlyArray<() => Promise<unknown>>,
    lockFirst?: ReadonlyArray<number>,
  ): Promise<Array<{ readonly value: unknown } | SeqBusy>> {
    return this.transaction(async () => {
      const tx = this.transactionOf()!;
      if (lockFirst) await this.lockAll.run([...lockFirst]);
      const context: GroupJob[] = jobs.map(() => ({ orders: [], atEnd: [], wrote: false, mustNotWait: !lockFirst }));
      // allSettled: every job finishes before the transaction ends, so none of its statements can run
      // after a ROLLBACK, outside any transaction.
      const settled = await Promise.allSettled(jobs.map((job, i) => this.current.run({ tx, job: context[i] }, job)));
      const setAside = settled.map(
        (s, i) =>
          s.status === "rejected" &&
          s.reason instanceof SeqBusy &&
          !context[i]!.wrote &&
          context[i]!.atEnd.length === 0,
      );
      if (settled.some((s, i) => s.status === "rejected" && !setAside[i])) throw new GroupFailure(settled);
      for (const { orders } of context) {
        if (orders.length > 1 && orders[orders.length - 1]! - orders[0]! + 1 !== orders.length) {
          throw new Error("the group's ordered statements interleave; its jobs run again on their own");
        }
      }
      const first = (i: number) => context[i]!.orders[0] ?? Number.POSITIVE_INFINITY;
      const order = context.map((_, i) => i).sort((a, b) => first(a) - first(b) || a - b);
      for (const i of order) for (const append of context[i]!.atEnd) append();
      return settled.map((s) => (s.status === "fulfilled" ? { value: s.value } : (s.reason as SeqBusy)));
    });
  }

  /**
   * Run `fn` in a transaction; statements prepared from this Sql use its
   * connection while `fn` runs.
   *
   * The connection is reserved first (an idle one, taken out of the pool)
   * and BEGIN sent on it, rather than through `pool.begin`: postgres.js
   * 3.4.x can write `begin`'s BEGIN onto a pooled connection whose pipeline
   * it fills without reserving it (porsager/postgres#823, #1189, fix
   * proposed in #1218). The transaction then fails with UNSAFE_TRANSACTION,
   * or stays open on a connection back in the pool. The benchmark's direct
   * scenario (1,600 sends in flight on 16 connections) hit it within
   * seconds; a reserved connection runs nothing but this transaction.
   *
   * BEGIN is not awaited before `fn` runs: postgres.js pipelines the
   * transaction's first statement behind it on the same connection, which
   * saves a round trip per transaction. If BEGIN fails, so does that
   * statement, and the transaction rolls back.
   *
   * Statements whose results nobody reads (`defer`; the transaction's
   * event-log appends, one statement sent by a `beforeCommit` hook) are
   * not awaited either: COMMIT follows them in the same
   * write, another round trip saved. PostgreSQL answers COMMIT of a
   * transaction that a failed statement aborted with a rollback, not an
   * error, so the transaction then fails with that statement's error.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const conn = await this.pool.reserve();
    let tx: PostgresTransaction;
    let result: T;
    try {
      const began = conn.unsafe("begin");
      began.catch(() => undefined); // sends it; its failure is read below
      try {
        tx = { sql: conn, ordinal: 0, failed: undefined, deferred: [], orderedStatements: 0 };
        result = await this.current.run({ tx, job: undefined }, fn);
        this.current.run({ tx, job: undefined }, () => {
          for (const hook of this.committing) hook(tx);
        });
        await began;
        if (tx.failed) throw tx.failed.error;
      } catch (error) {
        await conn.unsafe("rollback").catch(() => undefined);
        throw error;
      }
      const commit = conn.unsafe("commit");
      commit.catch(() => undefined); // sends it behind the deferred statements; its failure is read below
      await Promise.all(tx.deferred);
      await commit;
      const failed = tx.failed as PostgresTransaction["failed"]; // set by a deferred statement, after the check above
      if (failed) throw failed.error; // the COMMIT rolled back
    } finally {
      conn.release();
    }
    // Committed: nothing after this point may turn the transaction into a failure.
    for (const fn of this.committed) {
      try {
        fn(tx);
      } catch {
        // a hook's failure (the doorbell) costs delay, which the poll bounds
      }
    }
    return result;
  }
}

/** A commit group rolled back because some of its jobs failed: which ones, and the first failure. */
export class GroupFailure extends Error {
  readonly rejected: boolean[];
  constructor(settled: ReadonlyArray<PromiseSettledResult<unknown>>) {
    const first = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    super("a job of the commit group failed", { cause: first?.reason });
    this.rejected = settled.map((s) => s.status === "rejected");
  }
}

/**
 * A job of a commit group found a conversation's seq lock held by another
 * transaction (or its last seq taken by a later one) and did not wait: its
 * append wrote nothing. `PostgresSql.group` sets such a job aside.
 */
export class SeqBusy extends Error {
  constructor(readonly lockKey: number) {
    super("another transaction holds this conversation's seq lock");
  }
}

/** A running transaction: its connection, and how many event-log rows it has written (their ordinals). */
export interface PostgresTransaction {
  readonly sql: postgres.ReservedSql;
  ordinal: number;
  /** The first statement of the transaction that failed: the transaction then rolls back with its error. */
  failed: { readonly error: unknown } | undefined;
  /** Statements sent and not awaited (see `PostgresSql.defer`); each settles without throwing. */
  readonly deferred: Array<Promise<unknown>>;
  /** How many `ordered` statements of a group's jobs have returned. */
  orderedStatements: number;
}

/** One job of a commit group (`PostgresSql.group`). */
export interface GroupJob {
  /** The numbers of its ordered statements, in the order they returned. */
  readonly orders: number[];
  /** Work held until every job of the group has finished (its event-log appends), run in the group's order. */
  readonly atEnd: Array<() => void>;
  /** Whether one of its statements changed a row, or it deferred one: then it cannot be set aside. */
  wrote: boolean;
  /** Whether it must not wait for a seq lock (`Sql.mustNotWait`). */
  readonly mustNotWait: boolean;
}

/** What a statement finds through AsyncLocalStorage: its transaction, and its job when in a group. */
interface Scope {
  readonly tx: PostgresTransaction;
  readonly job: GroupJob | undefined;
}

/** A table of the strings in a JSON array passed as one parameter, with the column `value`. */
export const jsonEach = (sql: Sql): string =>
  sql.engine === "sqlite" ? "json_each(?)" : "json_array_elements_text(CAST(CAST(? AS text) AS json)) AS j(value)";

/** The larger / smaller of two values (SQLite's scalar max and min). */
export const greatest = (sql: Sql): string => (sql.engine === "sqlite" ? "max" : "greatest");
export const least = (sql: Sql): string => (sql.engine === "sqlite" ? "min" : "least");
