import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, freshDatabase } from "../helpers/postgres.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The PostgreSQL driver as the hub configures it (storage/postgres/open.ts),
 * in a process of its own with Node's default for unhandled rejections
 * (they end the process), as a production hub runs.
 */
describe("the PostgreSQL driver under failures (section 11)", () => {
  let db: string;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => dropDatabase(db));

  /** Run `body` (an async function's body, with `sql` from connectPostgres(url)) in a child process: its output and exit code. */
  const inChild = (url: string, body: string) => {
    const script = `
      import { connectPostgres } from "./storage/postgres/open.ts";
      const sql = connectPostgres(${JSON.stringify(url)});
      ${body}
      await sql.end({ timeout: 1 });
    `;
    const out = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 20_000,
    });
    return { status: out.status, stdout: out.stdout.trim(), stderr: out.stderr };
  };

  it("a new connection whose array-type lookup fails does not end the process; the query gets the error", () => {
    // statement_timeout=1 (ms) makes the lookup postgres.js sends first on every new connection fail at once.
    // postgres.js 3.4 dropped that lookup's promise, so its failure ended the whole process as an unhandled
    // rejection (porsager/postgres#1192): a database restart during a hub's reconnect could do the same.
    const url = new URL(db);
    url.searchParams.set("statement_timeout", "1");
    const out = inChild(
      url.toString(),
      `for (let i = 0; i < 5; i++) {
         try { await sql\`SELECT pg_sleep(0.01)\`; console.log("answered"); }
         catch (err) { console.log(err.code === "57014" ? "timed out" : "other: " + err.message); }
       }`,
    );
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout.split("\n")).toEqual(Array(5).fill("timed out"));
  });
});
