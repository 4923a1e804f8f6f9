import { createHash } from "node:crypto";
import Database, { type SqliteDatabase } from "../../../storage/sqlite-driver.js";
import type { Storage } from "../../../storage/index.ts";
import type { Sql } from "../../../storage/sql.ts";

type Db = SqliteDatabase;

/**
 * A hash of every row of every table of the hub's database: two equal
 * fingerprints mean that nothing was stored, changed or deleted in between.
 * This is how the tests show that a rejected call changed no state.
 */
export const fingerprint = async (storage: Storage, options: { liveEventsOnly?: boolean } = {}): Promise<string> =>
  storage.db ? fingerprintSqlite(storage.db, options) : fingerprintSql(storage.sql, options);

/** The same over any engine: rows are sorted, since PostgreSQL keeps no order a plain SELECT would repeat. */
const fingerprintSql = async (sql: Sql, options: { liveEventsOnly?: boolean }): Promise<string> => {
  const h = createHash("sha256");
  const tables = await sql
    .prepare<[], { name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
    )
    .all();
  for (const { name: table } of tables) {
    // The nodes' own bookkeeping (heartbeats, who holds which socket) changes by itself: not the hub's state.
    if (table.startsWith("cluster_")) continue;
    h.update(`\u0000${table}\u0000`);
    const query =
      options.liveEventsOnly && table === "events"
        ? `SELECT * FROM events WHERE id IN (SELECT event_id FROM event_recipients)`
        : `SELECT * FROM "${table}"`;
    const rows = (await sql.prepare<[], Record<string, unknown>>(query).all()).map((row) =>
      JSON.stringify(Object.values(row), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : v)),
    );
    for (const row of rows.sort()) h.update(`${row}\n`);
  }
  return h.digest("hex");
};

const fingerprintSqlite = (db: Db, options: { liveEventsOnly?: boolean }): string => {
  const h = createHash("sha256");
  const tables = db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all();
  for (const table of tables) {
    h.update(`\u0000${table}\u0000`);
    // The retention sweep drops events no recipient refers to any more, on its own schedule.
    const sql =
      options.liveEventsOnly && table === "events"
        ? `SELECT * FROM events WHERE id IN (SELECT event_id FROM event_recipients)`
        : `SELECT * FROM "${table}"`;
    for (const row of db.prepare(sql).raw().iterate()) {
      h.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : v)));
      h.update("\n");
    }
  }
  return h.digest("hex");
};

/**
 * Count the writes the hub commits, without reading its data: TEMP triggers
 * on the hub's own connection bump a counter in a TEMP table on every insert,
 * update and delete, inside the writing transaction, so a write rolled back
 * (a job that raised) leaves the counter as it was. Deletes from the event
 * log are left out: the retention sweep makes them on its own schedule.
 * Nothing is written to the database file. Returns a function reading the count.
 */
export const countWrites = (db: Db): (() => number) => {
  db.exec(
    "CREATE TEMP TABLE IF NOT EXISTS sb_writes (n INTEGER NOT NULL); INSERT INTO sb_writes SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM sb_writes)",
  );
  const tables = db
    .prepare<[], string>("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all();
  for (const table of tables) {
    const ops =
      table === "events" || table === "event_recipients" ? ["INSERT", "UPDATE"] : ["INSERT", "UPDATE", "DELETE"];
    for (const op of ops) {
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS "sb_count_${table}_${op}" AFTER ${op} ON main."${table}" BEGIN UPDATE sb_writes SET n = n + 1; END`,
      );
    }
  }
  const read = db.prepare<[], number>("SELECT n FROM temp.sb_writes").pluck();
  return () => read.get()!;
};

/** Open a database file read-only, from outside the hub (as an operator or a check after a crash would). */
export const openReadOnly = (file: string): Db => new Database(file, { readonly: true, fileMustExist: true });

/** `PRAGMA integrity_check`: "ok", or the problems SQLite found. */
export const integrity = (db: Db): string => db.prepare<[], string>("PRAGMA integrity_check").pluck().all().join("; ");

/**
 * Each conversation's message seqs must be exactly 1..last_seq: no gap, no
 * repeat. Returns the conversations that break this (empty when all hold).
 */
export const seqGaps = (db: Db): Array<{ conversation: string; lastSeq: number; count: number; maxSeq: number }> =>
  db
    .prepare<[], { conversation: string; lastSeq: number; count: number; maxSeq: number; minSeq: number }>(
      `SELECT c.id AS conversation, c.last_seq AS lastSeq, count(m.pk) AS count,
              coalesce(max(m.seq), 0) AS maxSeq, coalesce(min(m.seq), 1) AS minSeq
       FROM conversations c LEFT JOIN messages m ON m.conversation_pk = c.pk GROUP BY c.pk`,
    )
    .all()
    .filter((r) => r.count !== r.lastSeq || r.maxSeq !== r.lastSeq || r.minSeq !== 1)
    .map(({ minSeq: _minSeq, ...r }) => r);
