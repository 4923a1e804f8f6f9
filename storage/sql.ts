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

/**
 * The SQL the storage modules are written against: `?` placeholders (turned
 * into `$n` for PostgreSQL), and the small set of differences between the two
 * dialects spelled out where they occur (`engine`). Integers come back as
 * numbers on both engines.
 */
export interface Sql {
  readonly engine: Engine;
  prepare<P extends unknown[] = unknown[], R = unknown>(text: string): Statement<P, R>;
  /** True while the caller runs inside a transaction of this storage. */
  inTransaction(): boolean;
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
});

/** `?` placeholders as PostgreSQL's `$1, $2, …`; the storage's SQL has no `?` inside string literals. */
export const toDollarParams = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

/**
 * PostgreSQL through postgres.js. A transaction's connection is found through
 * AsyncLocalStorage, so the same storage functions run inside a transaction
 * (on its connection) or outside (on any pooled one) without passing a handle.
 */
export class PostgresSql implements Sql {
  readonly engine = "postgres" as const;
  private readonly current = new AsyncLocalStorage<PostgresTransaction>();
  private readonly committed: Array<(tx: PostgresTransaction) => void> = [];

  constructor(readonly pool: postgres.Sql) {}

  /** Call `fn` after each transaction of this Sql has committed (not after one that rolled back). */
  afterCommit(fn: (tx: PostgresTransaction) => void): void {
    this.committed.push(fn);
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(text: string): Statement<P, R> {
    const pgText = toDollarParams(text);
    const exec = async (params: unknown[]) => {
      const tx = this.current.getStore();
      try {
        return await (tx?.sql ?? this.pool).unsafe(pgText, params as postgres.ParameterOrJSON<never>[], {
          prepare: true,
        });
      } catch (error) {
        // as postgres.js's own begin does: a failed statement fails its transaction, even if the job caught it
        if (tx && tx.failed === undefined) tx.failed = { error };
        throw error;
      }
    };
    return {
      get: async (...params) => (await exec(params))[0] as R | undefined,
      all: async (...params) => [...(await exec(params))] as R[],
      run: async (...params) => (await exec(params)).count,
    };
  }

  inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  /** The transaction the caller runs in, if any. */
  transactionOf(): PostgresTransaction | undefined {
    return this.current.getStore();
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
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const conn = await this.pool.reserve();
    let tx: PostgresTransaction;
    let result: T;
    try {
      const began = conn.unsafe("begin");
      began.catch(() => undefined); // sends it; its failure is read below
      try {
        tx = { sql: conn, ordinal: 0, failed: undefined };
        result = await this.current.run(tx, fn);
        await began;
        if (tx.failed) throw tx.failed.error;
      } catch (error) {
        await conn.unsafe("rollback").catch(() => undefined);
        throw error;
      }
      await conn.unsafe("commit");
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

/** A running transaction: its connection, and how many event-log rows it has written (their ordinals). */
export interface PostgresTransaction {
  readonly sql: postgres.ReservedSql;
  ordinal: number;
  /** The first statement of the transaction that failed: the transaction then rolls back with its error. */
  failed: { readonly error: unknown } | undefined;
}

/** A table of the strings in a JSON array passed as one parameter, with the column `value`. */
export const jsonEach = (sql: Sql): string =>
  sql.engine === "sqlite" ? "json_each(?)" : "json_array_elements_text(CAST(CAST(? AS text) AS json)) AS j(value)";

/** The larger / smaller of two values (SQLite's scalar max and min). */
export const greatest = (sql: Sql): string => (sql.engine === "sqlite" ? "max" : "greatest");
export const least = (sql: Sql): string => (sql.engine === "sqlite" ? "min" : "least");
