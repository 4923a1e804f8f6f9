import { defineConfig } from "vitest/config";

/**
 * The inspector's browser tests (npm run test:browser): real Chromium driven
 * by playwright-core. Kept out of `npm test`, which needs no browser.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
