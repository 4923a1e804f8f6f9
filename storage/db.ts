import Database, { type SqliteDatabase } from "./sqlite-driver.js";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Db = SqliteDatabase;

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), "migrations");

export interface OpenOptions {
  /** Milliseconds a statement waits for a lock held by another process (the CLI). */
  readonly busyTimeoutMs?: number;
}

/**
 * Open the hub's database: WAL so readers never block the writer, and
 * synchronous=FULL so that a committed transaction survives a crash or a
 * power cut before anything is acknowledged. Group commit (server/committer)
 * is what keeps FULL affordable.
 */
export const openDb = (file: string, options: OpenOptions = {}): Db => {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma("cache_size = -65536");
  db.pragma("temp_store = MEMORY");
  migrate(db);
  return db;
};

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const listMigrations = (): ReadonlyArray<Migration> =>
  readdirSync(migrationsDir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.split("_")[0]), name: f, sql: readFileSync(join(migrationsDir, f), "utf8") }))
    .sort((a, b) => a.version - b.version);

/** Apply the numbered migrations not yet recorded, each in its own transaction. */
export const migrate = (db: Db): void => {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db
      .prepare<[], { version: number }>("SELECT version FROM schema_migrations")
      .all()
      .map((r) => r.version),
  );
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  for (const m of listMigrations()) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
};
