import type { TxCaches } from "./cache.ts";
import type { Db } from "./db.ts";

/** One logged event as a recipient sees it; `params` is the JSON of its params without `cursor`. */
export interface LoggedEvent {
  readonly cursor: number;
  readonly method: string;
  readonly params: string;
}

/** A committed event, ready to push: one cursor per recipient. */
export interface Emitted {
  readonly method: string;
  /** The params as JSON, without `cursor`: serialized once for every recipient. */
  readonly paramsJson: string;
  readonly recipients: ReadonlyArray<string>;
  readonly cursors: ReadonlyArray<number>;
}

/** Where a principal's log stands: its newest cursor, the highest dropped one, the oldest retained one. */
export interface LogPosition {
  readonly newest: number;
  readonly floor: number;
  readonly oldest: number | undefined;
}

/**
 * The per-principal event log of section 6, as both engines keep it.
 *
 * - A principal's cursors only grow, and a reader is never shown cursor n
 *   while an event with a smaller cursor can still be appended for it: every
 *   read (`after`, `position`, `current`) sees only the part of the log that
 *   can no longer change below its end.
 * - `append` runs inside the caller's transaction and commits or rolls back
 *   with it; if it fails, the transaction fails, though the failure may only
 *   show at the commit (PostgreSQL sends it with the COMMIT). It returns the
 *   recipients' cursors when they are final at once
 *   (SQLite: one writer, so commit order is cursor order); the fan-out then
 *   pushes the event right after the commit. It returns undefined when
 *   cursors are only final later (PostgreSQL: transactions on several nodes
 *   commit out of order); the log's `feed` then delivers the event once it is.
 */
export interface EventLog {
  append(
    method: string,
    paramsJson: string,
    recipients: ReadonlyArray<string>,
    nowMs: number,
  ): Promise<number[] | undefined>;
  /** The principal's entries after `cursor`, oldest first. */
  after(principal: string, cursor: number, limit: number): Promise<LoggedEvent[]>;
  /** The principal's newest entries, newest first (the inspector's recent events). */
  recent(principal: string, limit: number): Promise<LoggedEvent[]>;
  /** How many of the principal's entries follow `cursor`, counting up to `cap` (a socket's lag). */
  countAfter(principal: string, cursor: number, cap: number): Promise<number>;
  /** The principal's current cursor: its newest entry, or the newest it has dropped, or 0. */
  current(principal: string): Promise<number>;
  /** Where the principal's log stands, for planning a resume. */
  position(principal: string): Promise<LogPosition>;
  /** Drop the principal's entries up to `cursor`, but none its webhook has yet to deliver. */
  ack(principal: string, cursor: number): Promise<void>;
  /**
   * Drop entries of events older than `cutoffMs`, at most `batch` of them, except those a
   * webhook has yet to deliver; returns how many were dropped.
   */
  expire(cutoffMs: number, batch: number): Promise<number>;
  /**
   * Where committed events come from when `append` could not give final
   * cursors: the listener receives every committed event in cursor order,
   * on every node. Absent when `append` always returns cursors.
   */
  readonly feed?: EventFeed;
}

export interface EventFeed {
  start(listener: (events: ReadonlyArray<Emitted>) => void): void;
  stop(): Promise<void>;
}

/**
 * The per-principal event log of section 6. Each event's params are stored
 * once; each recipient gets a thin row whose id is its cursor. Ids only grow,
 * so a cursor increases per principal, and the oldest entries form a prefix
 * of the table in id order, which is what retention cuts.
 */
export const makeEvents = (db: Db, caches: TxCaches): EventLog => {
  // Every recipient row names its principal by an integer key; keys are made on first use.
  const keys = caches.map<string, number>(100_000);
  const keyRow = db.prepare<[string], { key: number }>("SELECT key FROM event_principals WHERE principal = ?");
  const newKey = db.prepare("INSERT INTO event_principals (principal) VALUES (?)");
  /** The principal's key, if it has ever had an event. */
  const keyOf = (principal: string): number | undefined => {
    const cached = keys.get(principal);
    if (cached !== undefined) return cached;
    const row = keyRow.get(principal);
    return row && keys.set(principal, row.key);
  };
  const keyFor = (principal: string): number =>
    keyOf(principal) ?? keys.set(principal, Number(newKey.run(principal).lastInsertRowid));

  const insertEvent = db.prepare("INSERT INTO events (method, params, created_at) VALUES (?, ?, ?)");
  // Recipients are inserted in multi-row statements of these sizes: one statement per chunk, not per row.
  const chunkSizes = [64, 16, 4, 1] as const;
  const insertRecipients = new Map(
    chunkSizes.map((n) => [
      n,
      db.prepare(`INSERT INTO event_recipients (principal, event_id) VALUES ${Array(n).fill("(?, ?)").join(", ")}`),
    ]),
  );
  const after = db.prepare<[number, number, number], LoggedEvent>(
    `SELECT r.id AS cursor, e.method, e.params FROM event_recipients r JOIN events e ON e.id = r.event_id
     WHERE r.principal = ? AND r.id > ? ORDER BY r.id LIMIT ?`,
  );
  const newestFirst = db.prepare<[number, number], LoggedEvent>(
    `SELECT r.id AS cursor, e.method, e.params FROM event_recipients r JOIN events e ON e.id = r.event_id
     WHERE r.principal = ? ORDER BY r.id DESC LIMIT ?`,
  );
  const countAfter = db.prepare<[number, number, number], { n: number }>(
    "SELECT count(*) AS n FROM (SELECT 1 FROM event_recipients WHERE principal = ? AND id > ? LIMIT ?) AS pending",
  );
  const newest = db.prepare<[number], { id: number | null }>(
    "SELECT max(id) AS id FROM event_recipients WHERE principal = ?",
  );
  const oldest = db.prepare<[number], { id: number | null }>(
    "SELECT min(id) AS id FROM event_recipients WHERE principal = ?",
  );
  const floor = db.prepare<[string], { deleted_through: number }>(
    "SELECT deleted_through FROM event_floors WHERE principal = ?",
  );
  const raiseFloor = db.prepare(
    `INSERT INTO event_floors (principal, deleted_through) VALUES (?, ?)
     ON CONFLICT (principal) DO UPDATE SET deleted_through = max(deleted_through, excluded.deleted_through)`,
  );
  const newestUpTo = db.prepare<[number, number], { id: number | null }>(
    "SELECT max(id) AS id FROM event_recipients WHERE principal = ? AND id <= ?",
  );
  const deleteUpTo = db.prepare("DELETE FROM event_recipients WHERE principal = ? AND id <= ?");
  // Entries a webhook has not delivered yet are held (section 12: nothing leaves the log): neither
  // acknowledgement nor retention drops an app's entries past its webhook's delivered cursor.
  const notHeld = (r: string) =>
    `NOT EXISTS (SELECT 1 FROM webhooks w JOIN event_principals hp ON hp.principal = w.app_id
                 WHERE hp.key = ${r}.principal AND ${r}.id > w.delivered_through)`;
  const heldAfter = db.prepare<[string], { delivered_through: number }>(
    "SELECT delivered_through FROM webhooks WHERE app_id = ?",
  );
  const expiredBoundary = db.prepare<[number, number], { id: number | null }>(
    `SELECT max(r.id) AS id FROM (SELECT id, event_id FROM event_recipients r WHERE ${notHeld("r")} ORDER BY id LIMIT ?) r
     JOIN events e ON e.id = r.event_id WHERE e.created_at < ?`,
  );
  const floorsThrough = db.prepare<[number], { principal: string; id: number }>(
    `SELECT p.principal, max(r.id) AS id FROM event_recipients r JOIN event_principals p ON p.key = r.principal
     WHERE r.id <= ? AND ${notHeld("r")} GROUP BY r.principal`,
  );
  const deleteThrough = db.prepare(`DELETE FROM event_recipients AS r WHERE r.id <= ? AND ${notHeld("r")}`);
  const firstReferenced = db.prepare<[], { event_id: number }>(
    "SELECT event_id FROM event_recipients ORDER BY id LIMIT 1",
  );
  const deleteEventsBelow = db.prepare("DELETE FROM events WHERE id < ?");
  const deleteEventsBefore = db.prepare("DELETE FROM events WHERE created_at < ?");

  const floorOf = (principal: string): number => floor.get(principal)?.deleted_through ?? 0;

  const appendNow = (method: string, paramsJson: string, recipients: ReadonlyArray<string>, nowMs: number) => {
    const eventId = insertEvent.run(method, paramsJson, nowMs).lastInsertRowid;
    const cursors = new Array<number>(recipients.length);
    const recipientKeys = recipients.map(keyFor);
    let i = 0;
    for (const n of chunkSizes) {
      const insert = insertRecipients.get(n)!;
      for (; recipients.length - i >= n; i += n) {
        const args = new Array<number | bigint>(2 * n);
        for (let k = 0; k < n; k++) {
          args[2 * k] = recipientKeys[i + k]!;
          args[2 * k + 1] = eventId;
        }
        // One statement, one writer: its rows take consecutive ids ending at the last one.
        const last = Number(insert.run(...args).lastInsertRowid);
        for (let k = 0; k < n; k++) cursors[i + k] = last - n + 1 + k;
      }
    }
    return cursors;
  };
  const positionNow = (principal: string): LogPosition => {
    const dropped = floorOf(principal);
    const key = keyOf(principal);
    if (key === undefined) return { newest: dropped, floor: dropped, oldest: undefined };
    return {
      newest: newest.get(key)?.id ?? dropped,
      floor: dropped,
      oldest: oldest.get(key)?.id ?? undefined,
    };
  };

  return {
    append: (method, paramsJson, recipients, nowMs) =>
      Promise.resolve(appendNow(method, paramsJson, recipients, nowMs)),
    after(principal, cursor, limit) {
      const key = keyOf(principal);
      return Promise.resolve(key === undefined ? [] : after.all(key, cursor, limit));
    },
    recent(principal, limit) {
      const key = keyOf(principal);
      return Promise.resolve(key === undefined ? [] : newestFirst.all(key, limit));
    },
    countAfter(principal, cursor, cap) {
      const key = keyOf(principal);
      return Promise.resolve(key === undefined ? 0 : countAfter.get(key, cursor, cap)!.n);
    },
    current: (principal) => Promise.resolve(positionNow(principal).newest),
    position: (principal) => Promise.resolve(positionNow(principal)),
    ack(principal, cursor) {
      const key = keyOf(principal);
      if (key === undefined) return Promise.resolve();
      const held = heldAfter.get(principal)?.delivered_through;
      const top = newestUpTo.get(key, held === undefined ? cursor : Math.min(cursor, held))?.id;
      if (top === null || top === undefined) return Promise.resolve();
      deleteUpTo.run(key, top);
      raiseFloor.run(principal, top);
      return Promise.resolve();
    },
    expire(cutoffMs, batch) {
      const boundary = expiredBoundary.get(batch, cutoffMs)?.id;
      let dropped = 0;
      if (boundary !== null && boundary !== undefined) {
        for (const f of floorsThrough.all(boundary)) raiseFloor.run(f.principal, f.id);
        dropped = deleteThrough.run(boundary).changes;
      }
      const first = firstReferenced.get();
      if (first) deleteEventsBelow.run(first.event_id);
      else deleteEventsBefore.run(cutoffMs);
      return Promise.resolve(dropped);
    },
  };
};
