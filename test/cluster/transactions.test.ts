import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, DEFAULT_APP_ID, type Storage } from "../../storage/index.ts";
import { SEQ_LOCK_SPACE } from "../../storage/messages.ts";
import { PostgresSql, SeqBusy } from "../../storage/sql.ts";
import { connectPostgres, migratePostgres } from "../../storage/postgres/open.ts";
import { dropDatabase, freshDatabase } from "../helpers/postgres.ts";

/**
 * PostgresSql.transaction on a pool whose connections pipeline: postgres.js
 * 3.4.x's own `begin` can send BEGIN on a connection it does not reserve
 * when that BEGIN fills the connection's pipeline (porsager/postgres#823,
 * #1189), so the benchmark's pipelined sends failed with UNSAFE_TRANSACTION.
 * `max_pipeline: 0` makes every BEGIN hit that case.
 */
describe("PostgreSQL transactions under a full pipeline", () => {
  let url: string;
  let pool: postgres.Sql;
  let sql: PostgresSql;
  beforeAll(async () => {
    url = await freshDatabase();
    // max_pipeline is a postgres.js option its type declarations leave out
    pool = postgres(url, { max: 4, max_pipeline: 0, onnotice: () => undefined } as postgres.Options<{}>);
    sql = new PostgresSql(pool);
    await pool.unsafe("CREATE TABLE t (k integer PRIMARY KEY, v text NOT NULL)");
  });
  afterAll(async () => {
    await pool.end({ timeout: 5 });
    await dropDatabase(url);
  });

  it("runs concurrent transactions beside pooled queries, each on its own connection, all committed", async () => {
    const insert = sql.prepare<[number, string]>("INSERT INTO t (k, v) VALUES (?, ?)");
    const count = sql.prepare<[], { n: number }>("SELECT count(*)::int AS n FROM t");
    const jobs = Array.from({ length: 40 }, (_, i) =>
      sql.transaction(async () => {
        await insert.run(i, "a");
        expect(sql.inTransaction()).toBe(true);
        return (await count.get())!.n;
      }),
    );
    const pooled = Array.from({ length: 40 }, () => count.get());
    await Promise.all([...jobs, ...pooled]);
    expect((await count.get())!.n).toBe(40);
    expect(sql.inTransaction()).toBe(false);
  });

  it("rolls a transaction back when one of its statements failed, even if the job caught the error", async () => {
    const insert = sql.prepare<[number, string]>("INSERT INTO t (k, v) VALUES (?, ?)");
    const has = sql.prepare<[number], { k: number }>("SELECT k FROM t WHERE k = ?");
    const failed = sql.transaction(async () => {
      await insert.run(1000, "kept?");
      await insert.run(0, "duplicate").catch(() => undefined);
      return "done";
    });
    await expect(failed).rejects.toMatchObject({ code: "23505" });
    expect(await has.get(1000)).toBeUndefined();
    // the connection went back to the pool idle, not inside the aborted transaction
    expect(await Promise.all(Array.from({ length: 8 }, (_, i) => has.get(i)))).toHaveLength(8);
    expect(
      (await pool.unsafe("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in%'"))[0]!.n,
    ).toBe(0);
  });
});

/**
 * A commit group on PostgreSQL (PostgresSql.group): jobs side by side in one
 * transaction, their held work (event-log appends) run in the order of their
 * `ordered` statements, and any failure rolls the whole group back so that
 * storage/transactions.ts can run the jobs again on their own.
 */
describe("PostgreSQL commit groups", () => {
  let url: string;
  let pool: postgres.Sql;
  let sql: PostgresSql;
  beforeAll(async () => {
    url = await freshDatabase();
    pool = postgres(url, { max: 4, onnotice: () => undefined });
    sql = new PostgresSql(pool);
    await pool.unsafe("CREATE TABLE g (k integer PRIMARY KEY, v text NOT NULL)");
    await pool.unsafe("CREATE TABLE counter (n integer NOT NULL)");
    await pool.unsafe("INSERT INTO counter VALUES (0)");
  });
  afterAll(async () => {
    await pool.end({ timeout: 5 });
    await dropDatabase(url);
  });

  const insert = () => sql.prepare<[number, string]>("INSERT INTO g (k, v) VALUES (?, ?)");
  const xid = () => sql.prepare<[], { x: string }>("SELECT pg_current_xact_id()::text AS x");
  const take = () => sql.prepare<[], { n: number }>("UPDATE counter SET n = n + 1 RETURNING n", { ordered: true });
  const count = () => sql.prepare<[], { n: number }>("SELECT count(*)::int AS n FROM g");

  it("runs its jobs in one transaction and holds their appends until all have finished, in the order of their ordered statements", async () => {
    const [ins, x, next] = [insert(), xid(), take()];
    const appended: number[] = [];
    // Job 0 writes twice before it takes a number, job 1 takes one at once: job 1's number is smaller.
    const job = (i: number, before: number) => async () => {
      for (let k = 0; k < before; k++) await ins.run(i * 10 + k, "w");
      const n = (await next.get())!.n;
      sql.groupJobOf()!.atEnd.push(() => appended.push(n));
      expect(appended).toEqual([]);
      return (await x.get())!.x;
    };
    const xids = await sql.group([job(1, 2), job(2, 0), job(3, 1)]);
    expect(new Set(xids.map((r) => (r as { value: unknown }).value)).size).toBe(1);
    expect(appended).toEqual([1, 2, 3]);
    expect((await count().get())!.n).toBe(3);
  });

  it("rolls every job back when one fails, even one that caught its failed statement", async () => {
    const ins = insert();
    const before = (await count().get())!.n;
    await expect(
      sql.group([
        () => ins.run(100, "kept?"),
        async () => {
          throw new Error("refused");
        },
      ]),
    ).rejects.toMatchObject({ rejected: [false, true], cause: new Error("refused") });
    await expect(
      sql.group([
        () => ins.run(101, "kept?"),
        () => ins.run(100, "x").then(() => ins.run(100, "duplicate").catch(() => 0)),
      ]),
    ).rejects.toMatchObject({ code: "23505" });
    expect((await count().get())!.n).toBe(before);
  });

  it("refuses a group whose jobs' ordered statements interleave: their order cannot be told", async () => {
    const [ins, next] = [insert(), take()];
    const before = (await count().get())!.n;
    const two = async () => {
      await next.get();
      await ins.run(200, "between");
      await next.get();
    };
    const one = async () => {
      await next.get();
    };
    await expect(sql.group([two, one])).rejects.toThrow(/interleave/);
    expect((await count().get())!.n).toBe(before);
  });

  it("sends the lookups its jobs make together as one statement, each job getting the row of its own key", async () => {
    await pool.unsafe("CREATE SEQUENCE lookups");
    await pool.unsafe("INSERT INTO g (k, v) VALUES (300, 'a'), (301, 'b'), (302, 'c')");
    // The uncorrelated subquery runs once per statement: rows of one statement share its number.
    const lookup = sql.prepareLookup<number, { key: number; v: string; statement: number }>(
      `SELECT k.k AS key, g.v, (SELECT nextval('lookups'))::int AS statement
       FROM unnest(CAST(? AS integer[])) AS k(k) JOIN g ON g.k = k.k`,
    );
    const keys = [300, 301, 302, 300, 999, 302];
    const found = await sql.group(keys.map((k) => () => lookup(k)));
    const rows = found.map((r) => (r as { value: { key: number; v: string; statement: number } | undefined }).value);
    expect(rows.map((r) => r?.v)).toEqual(["a", "b", "c", "a", undefined, "c"]);
    expect(new Set(rows.filter((r) => r !== undefined).map((r) => r.statement)).size).toBe(1);
    // in a transaction that is not a group, each lookup is a statement of its own
    const [one, two] = await sql.transaction(() => Promise.all([lookup(300), lookup(301)]));
    expect(one!.statement).not.toBe(two!.statement);
    expect(Math.min(one!.statement, two!.statement)).toBeGreaterThan(rows[0]!.statement);
    // outside any transaction, the lookups of one turn of the event loop share a statement, even when
    // they are made in callbacks of their own (as frames of different sockets are), and a later turn's
    // lookups another
    const turn = await Promise.all([
      lookup(300),
      new Promise((resolve) => setImmediate(() => resolve(undefined))).then(() => lookup(999)),
      new Promise<void>((resolve) => process.nextTick(resolve)).then(() => lookup(302)),
      new Promise((resolve) => setTimeout(resolve, 0)).then(() => lookup(301)),
    ]);
    expect(turn.map((r) => r?.v)).toEqual(["a", undefined, "c", "b"]);
    expect(turn[0]!.statement).toBe(turn[2]!.statement);
    expect(turn[3]!.statement).toBeGreaterThan(turn[0]!.statement);
  });

  it("fails every job waiting on a lookup that failed, and rolls the group back", async () => {
    const ins = insert();
    const before = (await count().get())!.n;
    const broken = sql.prepareLookup<number, { key: number }>(
      "SELECT k.k AS key FROM unnest(CAST(? AS integer[])) AS k(k) WHERE 1 / (k.k - k.k) = 1",
    );
    const failure = await sql
      .group([() => broken(2), () => broken(1), () => ins.run(400, "kept?").then(() => broken(1))])
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ rejected: [true, true, true] });
    expect((failure as Error).cause).toMatchObject({ code: "22012" }); // division by zero, the database's error
    expect((await count().get())!.n).toBe(before);
  });
});

describe("a conversation's seq goes to increasing transaction ids (migrations 008, 009)", () => {
  let url: string;
  let pool: postgres.Sql;
  beforeAll(async () => {
    url = await freshDatabase();
    pool = connectPostgres(url, { poolSize: 4 }); // bigints as numbers, as the hub reads them
    await migratePostgres(pool);
  });
  afterAll(async () => {
    await pool.end({ timeout: 5 });
    await dropDatabase(url);
  });

  // switchboard_seq_take waiting for the lock, as a transaction of its own takes a seq: the lock, then its id.
  const TAKE = "SELECT switchboard_seq_take(1, $1, true) AS ok, pg_current_xact_id()::text::bigint AS x";

  it("refuses, as a serialization failure, a seq for a transaction older than the one that took the previous seq", async () => {
    const older = await pool.reserve();
    let newerXid = 0;
    try {
      await older.unsafe("BEGIN");
      // The older transaction has its id (as a group's would, from an earlier write) before the newer starts.
      const [{ x: olderXid }] = await older.unsafe<[{ x: number }]>("SELECT pg_current_xact_id()::text::bigint AS x");
      newerXid = await pool.begin(async (tx) => (await tx.unsafe<[{ x: number }]>(TAKE, [0]))[0].x);
      expect(newerXid).toBeGreaterThan(olderXid);
      await expect(older.unsafe(TAKE, [newerXid])).rejects.toMatchObject({
        code: "40001",
      });
      await older.unsafe("ROLLBACK");
    } finally {
      older.release();
    }
    // Run again on its own, the seq is its transaction's first write and gets a larger id.
    const again = await pool.begin(async (tx) => (await tx.unsafe<[{ x: number }]>(TAKE, [newerXid]))[0].x);
    expect(again).toBeGreaterThan(newerXid);
  });
});

/**
 * A job of a commit group that finds a conversation's seq lock held is set
 * aside before it writes (migration 009): the rest of the group commits
 * without waiting, and the jobs set aside run together once the lock is
 * free, in their order.
 */
describe("a job that finds a seq lock held is set aside, not the group (migration 009)", () => {
  let url: string;
  let storage: Storage;
  let pool: postgres.Sql;
  const at = "2026-12-06T00:00:00.000Z";
  beforeAll(async () => {
    url = await freshDatabase();
    storage = await openStorage(url);
    pool = connectPostgres(url, { poolSize: 4 });
  });
  afterAll(async () => {
    await pool.end({ timeout: 5 });
    await storage.close();
    await dropDatabase(url);
  });

  let made = 0;
  const conversation = async (): Promise<number> => {
    const n = ++made;
    if (n === 1) {
      await storage.apps.ensureDefault(at);
      await storage.agents.insert({ id: "agt_setaside", name: "set-aside", createdAt: at });
    }
    const task = await storage.tasks.insert({
      id: `tsk_setaside${n}`,
      appId: DEFAULT_APP_ID,
      initiatorAgentId: "agt_setaside",
      createdAt: at,
    });
    return storage.conversations.insert({
      id: `cnv_setaside${n}`,
      taskPk: task.pk,
      createdBy: "agt_setaside",
      createdAt: at,
    });
  };
  const send = (pk: number, id: string) => () =>
    storage.messages.append({ id, conversationPk: pk, senderId: "agt_setaside", partsJson: "[]", createdAt: at });
  const seqOf = async (id: string) =>
    (await pool.unsafe<Array<{ seq: number }>>("SELECT seq FROM messages WHERE id = $1", [id]))[0]?.seq;

  /** A transaction of its own that holds `pk`'s seq lock and has taken the next seq, until `release`. */
  const holdLock = async (pk: number) => {
    const holder = await pool.reserve();
    await holder.unsafe("BEGIN");
    await holder.unsafe("SELECT pg_advisory_xact_lock($1)", [pk + SEQ_LOCK_SPACE]);
    await holder.unsafe(
      "UPDATE conversations SET last_seq = last_seq + 1, last_seq_xid = pg_current_xact_id()::text::bigint WHERE pk = $1",
      [pk],
    );
    return {
      release: async (end: "COMMIT" | "ROLLBACK") => {
        await holder.unsafe(end);
        holder.release();
      },
    };
  };

  it("gives the messages of a group's appends, sent as one statement, each conversation's next seqs in call order", async () => {
    const [one, two] = [await conversation(), await conversation()];
    const sql = storage.sql as PostgresSql;
    const ids = ["msg_b1", "msg_b2", "msg_b3", "msg_b4", "msg_b5"];
    const pks = [one, two, one, one, two];
    const results = await sql.group(ids.map((id, i) => send(pks[i]!, id)));
    expect(results).toEqual([{ value: 1 }, { value: 1 }, { value: 2 }, { value: 3 }, { value: 2 }]);
    expect(await Promise.all(ids.map(seqOf))).toEqual([1, 1, 2, 3, 2]);
    const counters = await pool.unsafe<Array<{ pk: number; last_seq: number }>>(
      "SELECT pk, last_seq FROM conversations WHERE pk = ANY($1) ORDER BY pk",
      [[one, two]],
    );
    expect(counters.map((c) => c.last_seq)).toEqual([3, 2]);
    // the next group goes on from there
    expect(await sql.group([send(two, "msg_b6"), send(one, "msg_b7")])).toEqual([{ value: 3 }, { value: 4 }]);
  });

  it("commits the rest of a group without waiting, and answers SeqBusy for the jobs set aside, which wrote nothing", async () => {
    const [busy, free] = [await conversation(), await conversation()];
    const holder = await holdLock(busy);
    const sql = storage.sql as PostgresSql;
    const results = await sql.group([send(busy, "msg_x"), send(free, "msg_y"), send(busy, "msg_z")]);
    expect(results).toEqual([new SeqBusy(busy + SEQ_LOCK_SPACE), { value: 1 }, new SeqBusy(busy + SEQ_LOCK_SPACE)]);
    expect(results[0]).toBeInstanceOf(SeqBusy);
    expect((results[2] as SeqBusy).lockKey).toBe(busy + SEQ_LOCK_SPACE);
    expect([await seqOf("msg_x"), await seqOf("msg_y"), await seqOf("msg_z")]).toEqual([undefined, 1, undefined]);
    await holder.release("ROLLBACK");
  });

  it("commits the rest of the group at once, and the jobs set aside after the holder, in their order", async () => {
    const [busy, free] = [await conversation(), await conversation()];
    const holder = await holdLock(busy);
    const outcomes = storage.transactions.runAll([send(busy, "msg_a"), send(free, "msg_b"), send(busy, "msg_c")]);
    // msg_b commits while the lock is held: its group did not wait for it.
    await expect.poll(() => seqOf("msg_b"), { timeout: 5_000 }).toBe(1);
    expect(await seqOf("msg_a")).toBeUndefined();
    await holder.release("COMMIT"); // the holder took seq 1
    expect(await outcomes).toEqual([
      { ok: true, value: 2 },
      { ok: true, value: 1 },
      { ok: true, value: 3 },
    ]);
  });

  it("keeps a conversation refused for the rest of its transaction, so no later job overtakes one set aside", async () => {
    const pk = await conversation();
    const key = pk + SEQ_LOCK_SPACE;
    const holder = await holdLock(pk);
    const taker = await pool.reserve();
    try {
      await taker.unsafe("BEGIN");
      const take = async () =>
        (await taker.unsafe<[{ ok: boolean }]>("SELECT switchboard_seq_take($1, 0, false) AS ok", [key]))[0].ok;
      expect(await take()).toBe(false);
      await holder.release("ROLLBACK");
      expect(await take()).toBe(false); // free now, and still refused in this transaction
      await taker.unsafe("COMMIT");
      await taker.unsafe("BEGIN");
      expect(await take()).toBe(true);
      await taker.unsafe("COMMIT");
    } finally {
      taker.release();
    }
  });

  it("refuses, without failing the transaction, a seq whose previous one went to a later transaction", async () => {
    const pk = await conversation();
    const older = await pool.reserve();
    try {
      await older.unsafe("BEGIN");
      await older.unsafe("SELECT pg_current_xact_id()"); // its id, as a group's from an earlier write
      await storage.transactions.runAll([send(pk, "msg_later")]); // a later transaction takes seq 1
      const [{ ok }] = await older.unsafe<[{ ok: boolean }]>(
        "SELECT switchboard_seq_take($1, (SELECT last_seq_xid FROM conversations WHERE pk = $2), false) AS ok",
        [pk + SEQ_LOCK_SPACE, pk],
      );
      expect(ok).toBe(false);
      await older.unsafe("SELECT 1"); // the transaction is not aborted
      await older.unsafe("ROLLBACK");
    } finally {
      older.release();
    }
  });

  it("does not set aside a job that wrote before its seq was refused: the group rolls back", async () => {
    const pk = await conversation();
    const holder = await holdLock(pk);
    const sql = storage.sql as PostgresSql;
    const wroteFirst = async () => {
      await storage.agents.insert({ id: "agt_wrotefirst", name: "wrote-first", createdAt: at });
      return send(pk, "msg_wrotefirst")();
    };
    await expect(sql.group([wroteFirst])).rejects.toMatchObject({ rejected: [true], cause: expect.any(SeqBusy) });
    expect(await storage.agents.get("agt_wrotefirst")).toBeUndefined();
    await holder.release("ROLLBACK");
  });
});
