// better-sqlite3 13.x, installed under the alias `better-sqlite3-13`, ships
// no types: its API is 12.x's for everything the hub uses (storage/sqlite-driver.ts).
declare module "better-sqlite3-13" {
  import BetterSqlite3 from "better-sqlite3";
  export default BetterSqlite3;
}
