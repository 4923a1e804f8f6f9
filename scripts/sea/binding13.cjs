// Stands in for better-sqlite3 13's lib/binding.js inside the single
// executable: its addon is the SEA asset, as for 12 (bindings.cjs).
const bindings = require("./bindings.cjs");

exports.getBinding = (nativeBinding) =>
  typeof nativeBinding === "object" && nativeBinding !== null ? nativeBinding : bindings("better_sqlite3.node");
