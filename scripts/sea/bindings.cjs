// Stands in for the `bindings` package inside the single executable:
// better-sqlite3 asks it for its native addon, which is loaded from the
// executable's cache folder (scripts/sea/files.mjs).
const { join } = require("node:path");
const { assetsFolder } = require("./files.mjs");

module.exports = function bindings(name) {
  const module = { exports: {} };
  process.dlopen(module, join(assetsFolder(), name));
  return module.exports;
};
