import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";

/**
 * Issue 13, item 5: the mistakes a newcomer makes end in one line that says
 * what to do (no stack trace), exit code 2 when the input was wrong as
 * given, and a start that failed leaves no file behind. Each case runs the
 * built `switchboard` bin or a built example, as a user would.
 */

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (file: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    // Without the suite's SWITCHBOARD_* settings: each case says what it sets.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SWITCHBOARD_")));
    execFile(
      process.execPath,
      [file, ...args],
      { cwd: process.cwd(), env: { ...base, SWITCHBOARD_LOG_LEVEL: "silent", ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });

const cli = (...args: string[]) => run("bin/switchboard.js", args);

/** One line on stderr that names the problem, no stack trace. */
const oneLine = (r: Run, pattern: RegExp) => {
  expect(r.stderr.split("\n")[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

describe("errors a newcomer understands", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-cli-errors-"));
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh empty folder for one case, to check that nothing is left in it. */
  const folder = (name: string) => {
    const f = join(dir, name);
    mkdirSync(f);
    return f;
  };

  it("port in use: says so and how to pick another; the new database file is removed again", async () => {
    const f = folder("port-in-use");
    const r = await cli("serve", "--port", String(t.hub.port), "--db", join(f, "hub.db"));
    expect(r.code).toBe(1);
    oneLine(r, /^switchboard: port \d+ on 127\.0\.0\.1 is in use .*--port 0 picks a free one/);
    expect(readdirSync(f)).toEqual([]);
  });

  it("a bad port: exit 2 with the range", async () => {
    const f = folder("bad-port");
    for (const port of ["70000", "http", "-1"]) {
      const r = await cli("serve", `--port=${port}`, "--db", join(f, "hub.db"));
      expect(r.code, port).toBe(2);
      oneLine(r, /--port \(or SWITCHBOARD_PORT\) must be/);
    }
    expect(readdirSync(f)).toEqual([]);
  });

  it("--db naming a folder: exit 2, with a file name to use instead", async () => {
    const f = folder("db-folder");
    const r = await cli("serve", "--port", "0", "--db", f);
    expect(r.code).toBe(2);
    oneLine(r, /--db .* is a folder; name a file in it, e\.g\. --db .*switchboard\.db/);
    expect(readdirSync(f)).toEqual([]);
  });

  it("a file that is not a database: exit 2; the file is untouched and nothing is added beside it", async () => {
    const f = folder("not-a-db");
    const notes = join(f, "notes.txt");
    writeFileSync(notes, "my notes, not a database\n");
    for (const args of [
      ["serve", "--port", "0", "--db", notes],
      ["agent", "create", "some-agent", "--db", notes],
    ]) {
      const r = await cli(...args);
      expect(r.code, args[0]).toBe(2);
      oneLine(r, /--db .*notes\.txt is not a SQLite database; pass the hub's database file/);
    }
    expect(readFileSync(notes, "utf8")).toBe("my notes, not a database\n");
    expect(readdirSync(f)).toEqual(["notes.txt"]);
  });

  it("a path that cannot be created: exit 2, and the folders made on the way are removed", async () => {
    const f = folder("cannot-create");
    writeFileSync(join(f, "plain-file"), "");
    const r = await cli("serve", "--port", "0", "--db", join(f, "plain-file", "data", "hub.db"));
    expect(r.code).toBe(2);
    oneLine(r, /cannot create --db .*; pick a path in a folder you can write to/);
    expect(readdirSync(f)).toEqual(["plain-file"]);
  });

  it("a start that fails after creating folders removes them", async () => {
    const f = folder("made-folders");
    const r = await cli("serve", "--port", String(t.hub.port), "--db", join(f, "a", "b", "hub.db"));
    expect(r.code).toBe(1);
    expect(readdirSync(f)).toEqual([]);
  });

  it("an unknown flag or command: exit 2 with did you mean", async () => {
    const flag = await cli("serve", "--prot", "7701");
    expect(flag.code).toBe(2);
    oneLine(flag, /^switchboard serve: unknown option --prot; did you mean --port\? \(switchboard serve --help/);
    const far = await cli("agent", "create", "x-y-z", "--zzzzzzzz");
    expect(far.code).toBe(2);
    oneLine(far, /^switchboard agent create: unknown option --zzzzzzzz \(switchboard agent create --help/);
    const command = await cli("serv");
    expect(command.code).toBe(2);
    oneLine(command, /^switchboard: unknown command serv; did you mean switchboard serve\?/);
    const sub = await cli("agent", "crate", "x-y-z");
    expect(sub.code).toBe(2);
    oneLine(sub, /^switchboard: unknown command agent crate; did you mean switchboard agent create\?/);
  });

  it("a backup into a missing folder: exit 2, with the mkdir to run", async () => {
    const source = folder("backup-source");
    // A database of its own (the suite's hub may be on PostgreSQL).
    expect((await cli("user", "create", "someone", "--db", join(source, "hub.db"))).code).toBe(0);
    const target = join(dir, "no-such-folder", "backup.db");
    const r = await cli("backup", target, "--db", join(source, "hub.db"));
    expect(r.code).toBe(2);
    oneLine(r, /the folder .*no-such-folder does not exist; create it \(mkdir -p .*no-such-folder\)/);
    expect(readdirSync(dir)).not.toContain("no-such-folder");
  });

  it("SWITCHBOARD_URL without /ws: the example says which URL to set", async () => {
    const http = t.hub.url; // http://127.0.0.1:PORT, the address a newcomer copies from the log
    const r = await run("dist/example-two-agents.js", [], {
      SWITCHBOARD_URL: http,
      SWITCHBOARD_ADMIN_TOKEN: t.adminToken,
    });
    expect(r.code).toBe(2);
    oneLine(
      r,
      new RegExp(`SWITCHBOARD_URL must be the hub's WebSocket URL, ending in /ws: set SWITCHBOARD_URL=${t.wsUrl}`),
    );
  });

  it("a refused token: the example says the hub refused it, not that it could not be reached", async () => {
    const r = await run("dist/example-two-agents.js", [], {
      SWITCHBOARD_URL: t.wsUrl,
      SWITCHBOARD_ADMIN_TOKEN: "sb_admin.admin.not-the-right-secret-not-the-right-secret",
    });
    expect(r.code).toBe(2);
    oneLine(r, /^The hub at .* refused SWITCHBOARD_ADMIN_TOKEN .* Use the admin token it printed/);
    expect(r.stderr).not.toMatch(/could not reach/i);
  });
});
