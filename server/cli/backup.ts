import Database, { type SqliteDatabase } from "../../storage/sqlite-driver.js";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { listMigrations, openStorage } from "../../storage/index.ts";
import { ConfigError, UsageError } from "../config.ts";

/**
 * `switchboard backup FILE` and `switchboard restore FILE`.
 *
 * backup: SQLite's online backup API copies the database page by page under
 * a read transaction, so it runs while the hub serves traffic and yields a
 * consistent snapshot of committed transactions (a write by the hub during
 * the copy restarts it). The copy is switched to a rollback journal so the
 * backup is one self-contained file, then checked with integrity_check.
 *
 * restore: checks the backup (integrity, a Switchboard schema this version
 * knows), refuses to replace an existing database unless --force, and
 * refuses, --force or not, while another process holds the database open (a
 * running hub would go on writing to the file it had open). The backup is
 * copied next to the target and renamed over it, the old WAL files are
 * removed, and migrations bring an older backup up to date.
 */
export interface BackupSummary {
  readonly file: string;
  readonly bytes: number;
  readonly pages: number;
  readonly counts: Readonly<Record<string, number>>;
}

const COUNTED = ["agents", "apps", "users", "tasks", "conversations", "messages", "event_recipients"] as const;

const countsOf = (db: SqliteDatabase): Record<string, number> =>
  Object.fromEntries(COUNTED.map((t) => [t, db.prepare<[], number>(`SELECT count(*) FROM "${t}"`).pluck().get() ?? 0]));

/** Check that a file is a sound Switchboard database this version can open; returns its open handle. */
const checkBackup = (file: string): SqliteDatabase => {
  if (!existsSync(file)) throw new ConfigError(`${file} does not exist; pass the file a backup wrote.`);
  let db: SqliteDatabase;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.prepare<[], string>("PRAGMA integrity_check").pluck().all().join("; ");
    if (check !== "ok") {
      db.close();
      throw new ConfigError(`${file} fails integrity_check (${check}); use another backup.`);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      `${file} is not a readable SQLite database (${(err as Error).message}); use another file made by backup.`,
    );
  }
  const hasSchema = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").get() !== undefined;
  if (!hasSchema) {
    db.close();
    throw new ConfigError(`${file} is not a Switchboard database (no schema_migrations); use a file made by backup.`);
  }
  const known = new Set(listMigrations().map((m) => m.version));
  const unknown = db
    .prepare<[], number>("SELECT version FROM schema_migrations")
    .pluck()
    .all()
    .filter((v) => !known.has(v));
  if (unknown.length > 0) {
    db.close();
    throw new ConfigError(
      `${file} has migrations this version does not know (${unknown.join(", ")}); restore it with the Switchboard that made it, or a newer one.`,
    );
  }
  return db;
};

/** Whether another connection (a running hub, a CLI command) holds the database open. */
const inUse = (file: string): boolean => {
  const probe = new Database(file, { timeout: 0 });
  try {
    probe.pragma("locking_mode = EXCLUSIVE");
    probe.exec("BEGIN EXCLUSIVE");
    probe.exec("COMMIT");
    return false;
  } catch {
    return true;
  } finally {
    probe.close();
  }
};

export const backupDatabase = async (source: string, file: string, force: boolean): Promise<BackupSummary> => {
  if (!existsSync(source)) throw new ConfigError(`${source} does not exist; pass --db with the hub's database.`);
  const folder = dirname(file);
  if (!existsSync(folder)) {
    throw new UsageError(
      `the folder ${folder} does not exist; create it (mkdir -p ${folder}) or back up to another path.`,
    );
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new UsageError(`${file} is a folder; name a file in it, e.g. ${join(file, "switchboard-backup.db")}`);
  }
  if (existsSync(file) && !force)
    throw new ConfigError(`${file} exists; pass --force to overwrite it, or pick another name.`);
  const src = new Database(source, { readonly: true, fileMustExist: true });
  let pages = 0;
  try {
    // After the first step, copy the rest in one go: one read transaction, one consistent snapshot.
    await src.backup(file, {
      progress: ({ totalPages }) => {
        pages = totalPages;
        return totalPages;
      },
    });
  } finally {
    src.close();
  }
  const copy = new Database(file);
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
  const checked = checkBackup(file);
  try {
    return { file, bytes: statSync(file).size, pages, counts: countsOf(checked) };
  } finally {
    checked.close();
  }
};

export const restoreDatabase = async (file: string, target: string, force: boolean): Promise<BackupSummary> => {
  const src = checkBackup(file);
  try {
    if (existsSync(target)) {
      if (!force) throw new ConfigError(`${target} exists; pass --force to replace it with ${file}.`);
      if (inUse(target)) {
        throw new ConfigError(`${target} is open in another process (a running hub?); stop it, then restore.`);
      }
    }
    mkdirSync(dirname(target), { recursive: true });
    const staging = join(dirname(target), `.${basename(target)}.restore-${process.pid}`);
    rmSync(staging, { force: true });
    await src.backup(staging);
    for (const suffix of ["-wal", "-shm", "-journal"]) rmSync(`${target}${suffix}`, { force: true });
    renameSync(staging, target);
  } finally {
    src.close();
  }
  // Migrations bring an older backup up to date, and WAL is switched back on.
  const storage = await openStorage(target);
  try {
    return { file: target, bytes: statSync(target).size, pages: 0, counts: countsOf(storage.db!) };
  } finally {
    await storage.close();
  }
};
