import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresSql } from "../../storage/sql.ts";
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
