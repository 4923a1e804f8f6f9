/**
 * Read-through caches that stay true to the database when writes roll back.
 * While a transaction is open, every change to a cache is journaled; the
 * committer calls `keep()` when a job's savepoint is released and `undo()`
 * when it rolls back, and `clear()` when a whole transaction fails. Outside
 * transactions the caches only ever hold committed state.
 *
 * Only the hub's own connection writes the cached tables while it runs (the
 * CLI adds rows with new ids, which no cache holds yet). That holds for the
 * embedded SQLite file, which one hub has to itself; on PostgreSQL other
 * nodes write the same tables, so the caches are made disabled there and
 * every read goes to the database.
 */
export class TxCaches {
  private journal: Array<() => void> = [];
  private readonly maps: Array<TxMap<unknown, unknown>> = [];

  constructor(
    private readonly inTransaction: () => boolean,
    private readonly enabled = true,
  ) {}

  /** A cache of at most `limit` entries; past it, the oldest entries are dropped. */
  map<K, V>(limit: number): TxMap<K, V> {
    const m = new TxMap<K, V>(this, this.enabled ? limit : 0);
    this.maps.push(m as TxMap<unknown, unknown>);
    return m;
  }

  /** @internal */
  record(undo: () => void): void {
    if (this.inTransaction()) this.journal.push(undo);
  }

  /** The current job committed its savepoint: its cache changes stand. */
  keep(): void {
    this.journal.length = 0;
  }

  /** The current job rolled back: undo its cache changes, newest first. */
  undo(): void {
    for (let i = this.journal.length - 1; i >= 0; i--) this.journal[i]!();
    this.journal.length = 0;
  }

  /** A whole transaction failed: forget everything. */
  clear(): void {
    this.journal.length = 0;
    for (const m of this.maps) m.clear();
  }
}

export class TxMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly owner: TxCaches,
    private readonly limit: number,
  ) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): V {
    if (this.limit === 0) return value;
    this.remember(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as K;
      if (oldest !== key) this.entries.delete(oldest);
    }
    return value;
  }

  delete(key: K): void {
    if (!this.entries.has(key)) return;
    this.remember(key);
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private remember(key: K): void {
    const had = this.entries.has(key);
    const previous = this.entries.get(key);
    this.owner.record(() => {
      if (had) this.entries.set(key, previous as V);
      else this.entries.delete(key);
    });
  }
}
