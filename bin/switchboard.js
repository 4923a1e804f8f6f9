#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size: a 64 MiB young generation (docs/PERFORMANCE.md#the-young-generation); also in
// package.json's start, scripts/sea/build.mjs and bench/lib/procs.ts (test/core/docs.test.ts keeps them equal).
// The `switchboard` command: the built hub (`npm run build`, which `npm ci` runs through `prepare`).
import module from "node:module";

// Node 22.1+ keeps V8's compiled code for the bundle on disk (NODE_COMPILE_CACHE, else the OS temp folder): about
// 0.1 s off every start after the first (docs/PERFORMANCE.md). Node 20 has no such cache; a folder it cannot
// write only loses the gain.
module.enableCompileCache?.();
await import("../dist/switchboard.js").catch((err) => {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/switchboard.js")) {
    process.stderr.write("switchboard: the hub is not built yet; run `npm run build` (npm ci does it) and try again.\n");
    process.exit(1);
  }
  throw err;
});
