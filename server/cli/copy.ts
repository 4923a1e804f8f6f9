import { existsSync } from "node:fs";
import Database from "../../storage/sqlite-driver.js";
import { connectPostgres, migratePostgres, redactUrl } from "../../storage/postgres/open.ts";
import { migrate } from "../../storage/index.ts";
import { ConfigError } from "../config.ts";

/** The event log is kept differently by the two engines: these tables are copied by hand, below. */
const EVENT_TABLES = new Set(["events", "event_principals", "event_recipients", "event_floors"]);
const BATCH = 1000;

export interface Copied {
  readonly tables: Record<string, number>;
}

/**
 * Copy an embedded hub's database (hub stopped) into an empty PostgreSQL
 * database, keeping every id, seq and cursor. Tables are copied in the
 * order SQLite created them, which is the order their references need; the
 * event log is rewritten into PostgreSQL's form, each recipient row keeping
 * its cursor. Cursors the hub makes on PostgreSQL afterwards are larger than
 * every copied one (storage/postgres/events.ts), so clients resume from
 * theirs across the move. Identity counters are set past the copied keys.
 */
export const copyToPostgres = async (file: string, url: string): Promise<Copied> => {
  if (!existsSync(file)) throw new ConfigError(`no database at ${file}; pass --db with the embedded hub's file`);
  const src = new Database(file, { fileMustExist: true });
  const pg = connectPostgres(url, { poolSize: 2 });
  const tables: Record<string, number> = {};
  try {
    // The copy is made of the newest schema on both sides.
    migrate(src);
    await migratePostgres(pg);
    const target = new Set(
      (
        await pg.unsafe<Array<{ name: string }>>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()",
        )
      ).map((r) => r.name),
    );
    const used = await pg.unsafe<Array<{ n: number }>>(
      "SELECT (SELECT count(*) FROM agents) + (SELECT count(*) FROM apps) + (SELECT count(*) FROM events) AS n",
    );
    if (Number(used[0]!.n) > 0) {
      throw new ConfigError(`${redactUrl(url)} already holds a hub's data; copy into an empty database`);
    }
    const order = src
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY rowid",
      )
      .all()
      .map((r) => r.name)
      .filter((t) => !EVENT_TABLES.has(t) && target.has(t));

    await pg.begin(async (tx) => {
      const insert = async (table: string, rows: Iterable<Record<string, unknown>>) => {
        let n = 0;
        let batch: Record<string, unknown>[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await tx`INSERT INTO ${tx(table)} ${tx(batch as never)}`;
          n += batch.length;
          batch = [];
        };
        for (const row of rows) {
          batch.push(row);
          if (batch.length === BATCH) await flush();
        }
        await flush();
        tables[table] = n;
      };
      for (const table of order) {
        await insert(table, src.prepare<[], Record<string, unknown>>(`SELECT * FROM "${table}"`).iterate());
      }
      await insert("events", src.prepare<[], Record<string, unknown>>("SELECT * FROM events").iterate());
      await insert(
        "event_recipients",
        src
          .prepare<[], Record<string, unknown>>(
            `SELECT r.id AS cursor, p.principal, r.event_id FROM event_recipients r
             JOIN event_principals p ON p.key = r.principal`,
          )
          .iterate(),
      );
      await insert("event_floors", src.prepare<[], Record<string, unknown>>("SELECT * FROM event_floors").iterate());
      // Identity columns continue after the copied keys.
      const identities = await tx.unsafe<Array<{ table_name: string; column_name: string }>>(
        `SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'`,
      );
      for (const { table_name: t, column_name: c } of identities) {
        await tx.unsafe(
          `SELECT setval(pg_get_serial_sequence('"${t}"', '${c}'), coalesce((SELECT max("${c}") FROM "${t}"), 0) + 1, false)`,
        );
      }
    });
    return { tables };
  } finally {
    src.close();
    await pg.end({ timeout: 5 });
  }
};
