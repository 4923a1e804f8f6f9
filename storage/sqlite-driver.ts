import BetterSqlite3 from "better-sqlite3";
import BetterSqlite3NodeApi from "better-sqlite3-13";

/**
 * better-sqlite3 for the Node that runs the hub (docs/DECISIONS.md, "Node 24").
 *
 * - From Node 22 on: 13.x (package alias `better-sqlite3-13`), a Node-API
 *   addon shipped prebuilt in the npm package. 12.x aborts Node 24 processes
 *   when a garbage collection finalises a statement.
 * - On Node 20: 12.x, compiled at `npm ci`. 13.x needs Node 22 (on 20 it
 *   crashes at the first statement).
 *
 * The two have the same API for everything the hub uses, and each loads its
 * native addon only at its first `new Database`, so importing both costs
 * their JavaScript and nothing else. When Node 20 goes, 12.x and this
 * module go with it.
 */
export const sqliteDriver: "better-sqlite3@13" | "better-sqlite3@12" =
  Number(process.versions.node.split(".")[0]) >= 22 ? "better-sqlite3@13" : "better-sqlite3@12";

const Database = (sqliteDriver === "better-sqlite3@13" ? BetterSqlite3NodeApi : BetterSqlite3) as typeof BetterSqlite3;
export default Database;

/** An open database handle (the same type for both versions). */
export type SqliteDatabase = BetterSqlite3.Database;
