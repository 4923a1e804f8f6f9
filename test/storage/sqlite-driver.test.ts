import { describe, expect, it } from "vitest";
import BetterSqlite3For20 from "better-sqlite3";
import BetterSqlite3NodeApi from "better-sqlite3-13";
import Database, { sqliteDriver } from "../../storage/sqlite-driver.ts";

/**
 * The embedded database's driver follows the Node that runs the hub
 * (docs/DECISIONS.md, "Node 24"); .ci/run runs the whole suite on 20, 22
 * and 24, so each line of this test runs somewhere.
 */
describe("storage/sqlite-driver", () => {
  const major = Number(process.versions.node.split(".")[0]);

  it("is better-sqlite3 13 from Node 22 on and 12 on Node 20, and opens a database", () => {
    expect(sqliteDriver).toBe(major >= 22 ? "better-sqlite3@13" : "better-sqlite3@12");
    expect(Database).toBe(major >= 22 ? BetterSqlite3NodeApi : BetterSqlite3For20);
    const db = new Database(":memory:");
    try {
      db.exec("CREATE TABLE t (x INTEGER)");
      db.prepare("INSERT INTO t VALUES (?)").run(42);
      expect(db.prepare("SELECT x FROM t").get()).toEqual({ x: 42 });
    } finally {
      db.close();
    }
  });
});
