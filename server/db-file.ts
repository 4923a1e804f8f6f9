import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isPostgresUrl } from "../storage/index.ts";
import { UsageError } from "./config.ts";

/**
 * Check a `--db` path before anything touches it, and remember what opening
 * it will create (the file, its WAL, its lock, missing folders) so that a
 * start that fails leaves nothing behind: a corrected start then begins from
 * the same place, and no empty database is mistaken for the real one.
 */
export interface DbFootprint {
  /** Remove what this start created; call after the database and its lock are closed. */
  cleanUp(): void;
}

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");
const nothing: DbFootprint = { cleanUp() {} };

const startsWithHeader = (path: string): boolean => {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    readSync(fd, head, 0, head.length, 0);
    return head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
};

/** `locks`: the caller takes the hub's lock on the file, so the lock files it leaves are its own to remove. */
export const prepareDbFile = (file: string, { locks = true }: { locks?: boolean } = {}): DbFootprint => {
  if (file === ":memory:" || isPostgresUrl(file)) return nothing;
  const path = resolve(file);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    stat = undefined; // missing, or a file on the way (ENOTDIR): the mkdir below says which
  }
  if (stat?.isDirectory()) {
    throw new UsageError(`--db ${file} is a folder; name a file in it, e.g. --db ${join(file, "switchboard.db")}`);
  }
  if (stat && !stat.isFile()) throw new UsageError(`--db ${file} is not a regular file; name a database file.`);
  if (stat && stat.size > 0 && !startsWithHeader(path)) {
    throw new UsageError(
      `--db ${file} is not a SQLite database; pass the hub's database file, or a new file name to start an empty one.`,
    );
  }
  // The first folder on the way that does not exist yet: made here, removed again if the start fails.
  let created: string | undefined;
  for (let dir = dirname(path); !existsSync(dir); dir = dirname(dir)) created = dir;
  try {
    mkdirSync(dirname(path), { recursive: true });
    accessSync(dirname(path), constants.W_OK);
  } catch (err) {
    if (created && existsSync(created)) rmSync(created, { recursive: true, force: true });
    throw new UsageError(
      `cannot create --db ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} on ${dirname(path)}); ` +
        "pick a path in a folder you can write to, e.g. --db ./data/switchboard.db",
    );
  }
  const had = (suffix: string) => existsSync(`${path}${suffix}`);
  const dbSuffixes = ["", "-wal", "-shm", "-journal"].filter((s) => !had(s));
  const lockSuffixes = locks ? [".lock", ".lock-journal", ".lock-owner"].filter((s) => !had(s)) : [];
  return {
    cleanUp() {
      if (created) rmSync(created, { recursive: true, force: true });
      // The database file did not exist: whatever this start wrote in it goes too.
      for (const s of stat ? [] : dbSuffixes) rmSync(`${path}${s}`, { force: true });
      for (const s of lockSuffixes) rmSync(`${path}${s}`, { force: true });
    },
  };
};
