import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Several hubs as one need PostgreSQL: they run in vitest.pg.config.ts.
    // Browser tests need Chromium: npm run test:browser (vitest.browser.config.ts).
    exclude: ["test/cluster/**", "test/browser/**", "node_modules/**"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
