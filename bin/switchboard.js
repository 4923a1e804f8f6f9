#!/usr/bin/env node
// The `switchboard` command: the built hub (`npm run build`, which `npm ci` runs through `prepare`).
await import("../dist/switchboard.js").catch((err) => {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/switchboard.js")) {
    process.stderr.write("switchboard: the hub is not built yet; run `npm run build` (npm ci does it) and try again.\n");
    process.exit(1);
  }
  throw err;
});
