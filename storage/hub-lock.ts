import Database from "./sqlite-driver.js";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

/** Who holds a database file: written by the holder, read by a hub that is refused. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export type HubLock =
  | { readonly ok: true; release(): void }
  | { readonly ok: false; readonly owner: LockOwner | undefined; readonly lockFile: string };

/**
 * One SQLite file, one hub. Two hubs on one file would each push only their
 * own commits to their own sockets, so agents on the two would miss each
 * other's traffic. The hub holds a write transaction open on a small lock
 * database beside its file (`<db>.lock`) for as long as it runs: SQLite's
 * own file locks make a second BEGIN IMMEDIATE fail at once, in this
 * process or any other, and the operating system releases them when the
 * holder dies, even by SIGKILL, so no stale lock outlives a crash. The
 * holder's pid and host go in `<db>.lock-owner` for the refusal to name.
 *
 * The hub's database itself stays open to others: `switchboard backup`
 * reads it while the hub runs, and the CLI's direct writes go on working.
 */
export const takeHubLock = (file: string): HubLock => {
  const lockFile = `${file}.lock`;
  const ownerFile = `${file}.lock-owner`;
  mkdirSync(dirname(lockFile), { recursive: true });
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(readFileSync(ownerFile, "utf8")) as LockOwner;
    } catch {
      owner = undefined;
    }
    return { ok: false, owner, lockFile };
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  writeFileSync(ownerFile, `${JSON.stringify(owner)}\n`);
  let released = false;
  return {
    ok: true,
    release: () => {
      if (released) return;
      released = true;
      rmSync(ownerFile, { force: true });
      db.exec("ROLLBACK");
      db.close();
    },
  };
};
