import type postgres from "postgres";
import type { Emitted, EventFeed, EventLog, LoggedEvent, LogPosition } from "../events.ts";
import { toDollarParams, type PostgresSql, type PostgresTransaction } from "../sql.ts";

/** How many ordinals one transaction has for its event-log rows: cursor = (transaction id << 20) + ordinal. */
const ORDINAL_BITS = 20;
const MAX_ORDINALS = 2 ** ORDINAL_BITS;

/**
 * Below this cursor every transaction has finished: it is the oldest
 * transaction still running (or the next to start), shifted like a cursor.
 * No event can appear below it any more, so readers stop there.
 */
const FINAL = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${ORDINAL_BITS})`;

export interface FeedOptions {
  /** How often to read the log when no doorbell rang: the bound on delay after a lost notification. */
  readonly pollMs: number;
  /** Called when a read of the log fails (the database is unreachable); the feed keeps trying. */
  readonly onError: (err: unknown) => void;
}

/**
 * The event log on PostgreSQL (see migrations/postgres/001_core.sql for how
 * cursors are made). Appends give no cursors: they are final only once every
 * older transaction has finished, so committed events reach the fan-out
 * through `feed`, which every node runs.
 */
export const makePostgresEvents = (sql: PostgresSql, feedOptions: FeedOptions): EventLog => {
  // A transaction's appends, written as one statement before its COMMIT (see `pending`). Event ids come
  // from the identity's sequence in a materialized CTE, so each recipient row can name its event by the
  // event's index in the arrays: an INSERT's RETURNING has no defined order to match them up with.
  const appendAll = sql.prepare<[string[], string[], number[], number, number[], string[]]>(
    `WITH e AS MATERIALIZED (
       SELECT nextval('events_id_seq'::regclass) AS id, t.method, t.params, t.created_at, t.idx
       FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[])) WITH ORDINALITY AS t(method, params, created_at, idx)
     ), inserted AS (
       INSERT INTO events (id, method, params, created_at) SELECT id, method, params, created_at FROM e
     )
     INSERT INTO event_recipients (cursor, principal, event_id)
     SELECT (pg_current_xact_id()::text::bigint << ${ORDINAL_BITS}) + ? + r.k - 1, r.principal, e.id
     FROM unnest(CAST(? AS bigint[]), CAST(? AS text[])) WITH ORDINALITY AS r(event_idx, principal, k)
     JOIN e ON e.idx = r.event_idx`,
  );
  const after = sql.prepare<[string, number, number], LoggedEvent>(
    `SELECT r.cursor, e.method, e.params FROM event_recipients r JOIN events e ON e.id = r.event_id
     WHERE r.principal = ? AND r.cursor > ? AND r.cursor < ${FINAL} ORDER BY r.cursor LIMIT ?`,
  );
  const newestFirst = sql.prepare<[string, number], LoggedEvent>(
    `SELECT r.cursor, e.method, e.params FROM event_recipients r JOIN events e ON e.id = r.event_id
     WHERE r.principal = ? AND r.cursor < ${FINAL} ORDER BY r.cursor DESC LIMIT ?`,
  );
  const countAfter = sql.prepare<[string, number, number], { n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM event_recipients WHERE principal = ? AND cursor > ? AND cursor < ${FINAL} LIMIT ?) AS pending`,
  );
  const position = sql.prepare<
    [string, string],
    { newest: number | null; oldest: number | null; floor: number | null }
  >(
    `SELECT (SELECT max(cursor) FROM event_recipients WHERE principal = ? AND cursor < ${FINAL}) AS newest,
            (SELECT min(cursor) FROM event_recipients WHERE principal = p.principal) AS oldest,
            (SELECT deleted_through FROM event_floors WHERE principal = p.principal) AS floor
     FROM (SELECT CAST(? AS text) AS principal) p`,
  );
  // Entries a webhook has not delivered yet are held (section 12: nothing leaves the log): neither
  // acknowledgement nor retention drops an app's entries past its webhook's delivered cursor.
  const notHeld = (r: string) =>
    `NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.app_id = ${r}.principal AND ${r}.cursor > w.delivered_through)`;
  const heldAfter = sql.prepare<[string], { delivered_through: number }>(
    "SELECT delivered_through FROM webhooks WHERE app_id = ?",
  );
  const newestUpTo = sql.prepare<[string, number], { id: number | null }>(
    `SELECT max(cursor) AS id FROM event_recipients WHERE principal = ? AND cursor <= ? AND cursor < ${FINAL}`,
  );
  const deleteUpTo = sql.prepare<[string, number]>("DELETE FROM event_recipients WHERE principal = ? AND cursor <= ?");
  const raiseFloor = sql.prepare<[string, number]>(
    `INSERT INTO event_floors (principal, deleted_through) VALUES (?, ?)
     ON CONFLICT (principal) DO UPDATE SET deleted_through = greatest(event_floors.deleted_through, excluded.deleted_through)`,
  );
  const expiredBoundary = sql.prepare<[number, number], { id: number | null }>(
    `SELECT max(r.cursor) AS id
     FROM (SELECT cursor, event_id FROM event_recipients r WHERE r.cursor < ${FINAL} AND ${notHeld("r")}
           ORDER BY cursor LIMIT ?) r
     JOIN events e ON e.id = r.event_id WHERE e.created_at < ?`,
  );
  const floorsThrough = sql.prepare<[number], { principal: string; id: number }>(
    `SELECT principal, max(cursor) AS id FROM event_recipients r WHERE r.cursor <= ? AND ${notHeld("r")}
     GROUP BY principal`,
  );
  const deleteThrough = sql.prepare<[number]>(`DELETE FROM event_recipients r WHERE r.cursor <= ? AND ${notHeld("r")}`);
  const deleteUnreferenced = sql.prepare<[number]>(
    `DELETE FROM events e WHERE e.created_at < ? AND NOT EXISTS (SELECT 1 FROM event_recipients r WHERE r.event_id = e.id)`,
  );

  const positionOf = async (principal: string): Promise<LogPosition> => {
    const r = (await position.get(principal, principal))!;
    const floor = r.floor ?? 0;
    return { newest: r.newest ?? floor, floor, oldest: r.oldest ?? undefined };
  };

  const feed = new PostgresFeed(sql.pool, feedOptions);
  // Once the feed has stopped (the hub closes), a ring in flight may meet a closed pool: not an error.
  const doorbell = new Doorbell(sql.pool, (err) => feed.stopped || feedOptions.onError(err));
  /**
   * The appends of each running transaction, in ordinal order: a commit
   * group of a thousand sends writes its events in one statement, not a
   * thousand (docs/PERFORMANCE.md). Nothing in a transaction reads its own
   * events back (readers stop below every running transaction, FINAL), so
   * holding them to the end changes nothing a statement sees.
   */
  const pending = new WeakMap<PostgresTransaction, PendingEvents>();
  sql.beforeCommit((tx) => {
    const batch = pending.get(tx);
    if (!batch) return;
    pending.delete(tx);
    sql.defer(
      appendAll.run(batch.methods, batch.params, batch.createdAt, batch.firstOrdinal, batch.eventOf, batch.principals),
    );
  });
  sql.afterCommit((tx) => {
    if (tx.ordinal === 0 || feed.stopped) return;
    doorbell.ring();
    feed.wake();
  });

  return {
    async append(method, paramsJson, recipients, nowMs) {
      const tx = sql.transactionOf();
      if (!tx) throw new Error("events.append runs inside a transaction");
      const write = () => {
        if (tx.ordinal + recipients.length > MAX_ORDINALS) {
          throw new Error(`one transaction may log at most ${MAX_ORDINALS} event entries`);
        }
        let batch = pending.get(tx);
        if (!batch) {
          batch = { methods: [], params: [], createdAt: [], firstOrdinal: tx.ordinal, eventOf: [], principals: [] };
          pending.set(tx, batch);
        }
        const index = batch.methods.push(method); // 1-based, as WITH ORDINALITY counts
        batch.params.push(paramsJson);
        batch.createdAt.push(nowMs);
        for (const principal of recipients) {
          batch.eventOf.push(index);
          batch.principals.push(principal);
        }
        tx.ordinal += recipients.length;
      };
      const job = sql.groupJobOf();
      // In a commit group, ordinals are given once every job has finished, in seq order (PostgresSql.group).
      if (job) job.atEnd.push(write);
      else write();
      return undefined;
    },
    after: (principal, cursor, limit) => after.all(principal, cursor, limit),
    recent: (principal, limit) => newestFirst.all(principal, limit),
    countAfter: async (principal, cursor, cap) => (await countAfter.get(principal, cursor, cap))!.n,
    current: async (principal) => (await positionOf(principal)).newest,
    position: positionOf,
    async ack(principal, cursor) {
      const held = (await heldAfter.get(principal))?.delivered_through;
      const top = (await newestUpTo.get(principal, held === undefined ? cursor : Math.min(cursor, held)))?.id;
      if (top === null || top === undefined) return;
      await deleteUpTo.run(principal, top);
      await raiseFloor.run(principal, top);
    },
    async expire(cutoffMs, batch) {
      const boundary = (await expiredBoundary.get(batch, cutoffMs))?.id;
      let dropped = 0;
      if (boundary !== null && boundary !== undefined) {
        for (const f of await floorsThrough.all(boundary)) await raiseFloor.run(f.principal, f.id);
        dropped = await deleteThrough.run(boundary);
      }
      await deleteUnreferenced.run(cutoffMs);
      return dropped;
    },
    feed,
  };
};

/** Events appended in one transaction and not written yet: columns of the events, and of their recipients. */
interface PendingEvents {
  readonly methods: string[];
  readonly params: string[];
  readonly createdAt: number[];
  /** The ordinal of the first recipient row: those of the batch follow it, one each. */
  readonly firstOrdinal: number;
  /** For each recipient row, the index (from 1) of its event in the columns above. */
  readonly eventOf: number[];
  readonly principals: string[];
}

/** The doorbell's channel: a notification says nothing but "look"; see Doorbell. */
const CHANNEL = "switchboard_events";

/**
 * Rings the doorbell after a transaction that logged events has committed:
 * other nodes hear it through LISTEN, this node's feed is woken directly.
 * One NOTIFY at a time per node; rings that arrive meanwhile make one more.
 *
 * It is rung from here, after COMMIT, not by a trigger inside each
 * transaction (as migrations 001 to 006 did): PostgreSQL serialises the
 * commits of transactions that notify on one lock, so a trigger made every
 * sending transaction commit, and flush, one after another. A ring that is
 * lost (this node dies between COMMIT and NOTIFY) costs the poll interval.
 */
class Doorbell {
  private ringing = false;
  private again = false;

  constructor(
    private readonly pool: postgres.Sql,
    private readonly onError: (err: unknown) => void,
  ) {}

  ring(): void {
    if (this.ringing) {
      this.again = true;
      return;
    }
    this.ringing = true;
    this.pool
      .notify(CHANNEL, "")
      .catch(this.onError)
      .finally(() => {
        this.ringing = false;
        if (this.again) {
          this.again = false;
          this.ring();
        }
      });
  }
}

interface FeedRow {
  cursor: number;
  principal: string;
  event_id: number;
  method: string;
  params: string;
}

const FEED_PAGE = 5000;
/** When a read stopped below events that were not final yet, look again this soon. */
const RETRY_SOON_MS = 5;

/**
 * Every node reads the committed log in cursor order and hands it to its
 * fan-out. A `LISTEN` on the doorbell channel makes it read at once; a poll
 * makes a lost notification cost delay, never an event. The node's own
 * commits wake it directly (`wake`). It starts from the
 * log's end: what was committed before, a client gets by resuming.
 */
class PostgresFeed implements EventFeed {
  private watermark: number | undefined;
  private running = false;
  private again = false;
  stopped = false;
  private draining: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private listener: ((events: ReadonlyArray<Emitted>) => void) | undefined;
  private readonly read: string;
  private readonly pending: string;
  private readonly start0: string;

  constructor(
    private readonly pool: postgres.Sql,
    private readonly options: FeedOptions,
  ) {
    this.read = toDollarParams(
      `SELECT r.cursor, r.principal, r.event_id, e.method, e.params FROM event_recipients r JOIN events e ON e.id = r.event_id
       WHERE r.cursor > ? AND r.cursor < ${FINAL} ORDER BY r.cursor LIMIT ${FEED_PAGE}`,
    );
    this.pending = toDollarParams(`SELECT EXISTS (SELECT 1 FROM event_recipients WHERE cursor >= ${FINAL}) AS more`);
    this.start0 = `SELECT ${FINAL} - 1 AS cursor`;
  }

  start(listener: (events: ReadonlyArray<Emitted>) => void): void {
    this.listener = listener;
    void this.pool
      .listen(CHANNEL, () => this.ring())
      .then(
        (l) => {
          this.unlisten = l.unlisten;
          this.ring();
        },
        (err: unknown) => this.options.onError(err),
      );
    this.timer = setInterval(() => this.ring(), this.options.pollMs);
    this.timer.unref();
    this.ring();
  }

  /** Read the log now: this node committed events. Nothing before `start`. */
  wake(): void {
    if (this.listener) this.ring();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.unlisten?.().catch(() => undefined);
    await this.draining;
  }

  private ring(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.draining = this.drain().finally(() => {
      this.running = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.ring();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      if (this.watermark === undefined) {
        const [row] = await this.pool.unsafe<Array<{ cursor: number }>>(this.start0);
        this.watermark = row!.cursor;
      }
      for (;;) {
        const rows: FeedRow[] = await this.pool.unsafe<FeedRow[]>(this.read, [this.watermark!], { prepare: true });
        if (rows.length > 0) {
          this.watermark = rows[rows.length - 1]!.cursor;
          this.listener?.(group(rows));
        }
        if (rows.length < FEED_PAGE) break;
      }
      // Committed events above the bound wait for an older transaction: look again soon, not at the next poll.
      const [p] = await this.pool.unsafe<Array<{ more: boolean }>>(this.pending, [], { prepare: true });
      if (p?.more && !this.stopped) {
        clearTimeout(this.soon);
        this.soon = setTimeout(() => this.ring(), RETRY_SOON_MS);
      }
    } catch (err) {
      // after stop, the pool may close under a read in flight: not an error
      if (!this.stopped) this.options.onError(err);
    }
  }
}

/** Consecutive rows of one event become one Emitted, as the fan-out takes them. */
const group = (rows: ReadonlyArray<FeedRow>): Emitted[] => {
  const out: Emitted[] = [];
  let current: { method: string; paramsJson: string; recipients: string[]; cursors: number[] } | undefined;
  let eventId = -1;
  for (const r of rows) {
    if (!current || r.event_id !== eventId) {
      current = { method: r.method, paramsJson: r.params, recipients: [], cursors: [] };
      eventId = r.event_id;
      out.push(current);
    }
    current.recipients.push(r.principal);
    current.cursors.push(r.cursor);
  }
  return out;
};
