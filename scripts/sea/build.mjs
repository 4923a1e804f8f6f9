// `npm run build:binary`: the hub as one executable file (Node's single
// executable applications), dist/sea/switchboard.
//
// 1. esbuild bundles the command line into one CommonJS script (SEA runs
//    CommonJS), with better-sqlite3's addon lookup (12: `bindings`, 13:
//    lib/binding.js) replaced by scripts/sea/bindings.cjs and binding13.cjs;
// 2. the files the hub reads from disk (SQL migrations, package.json, the
//    native addon built for this Node) become SEA assets, unpacked at first
//    start into a cache folder keyed by their hash (scripts/sea/files.mjs);
// 3. node --experimental-sea-config makes the blob, and postject injects it
//    into a copy of the node binary that runs this script.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "postject";
import { commonOptions, runtimeFiles } from "../bundle.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const out = join(root, "dist", "sea");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const require = createRequire(import.meta.url);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// The addon of the better-sqlite3 this Node runs (storage/sqlite-driver.ts): 13.x from Node 22 on, prebuilt in
// the package unless compiled on purpose; 12.x on Node 20, compiled at npm ci.
const nodeApi = Number(process.versions.node.split(".")[0]) >= 22;
const driverDir = dirname(require.resolve(nodeApi ? "better-sqlite3-13/package.json" : "better-sqlite3/package.json"));
const compiled = join(driverDir, "build", "Release", "better_sqlite3.node");
const addon =
  nodeApi && !existsSync(compiled)
    ? join(driverDir, "prebuilds", `${process.platform}-${process.arch}.node`)
    : compiled;
if (!existsSync(addon)) throw new Error(`build:binary: no better-sqlite3 addon at ${addon}; run npm ci first`);
writeFileSync(join(out, "package.json"), JSON.stringify({ name: pkg.name, version: pkg.version }));
const assets = {
  "better_sqlite3.node": addon,
  "package.json": join(out, "package.json"),
  ...Object.fromEntries(runtimeFiles().map((f) => [f.split("\\").join("/"), join(root, f)])),
};
const hash = createHash("sha256");
for (const [key, file] of Object.entries(assets).sort()) hash.update(key).update(readFileSync(file));
const key = `${pkg.version}-${process.platform}-${process.arch}-${hash.digest("hex").slice(0, 16)}`;

const main = join(out, "switchboard.cjs");
const common = commonOptions(true);
await build({
  ...common,
  entryPoints: [join(root, "server", "cli", "main.ts")],
  outfile: main,
  format: "cjs",
  sourcemap: false,
  alias: { bindings: join(root, "scripts", "sea", "bindings.cjs") },
  plugins: [
    ...common.plugins,
    {
      // better-sqlite3 13 looks for its addon itself (lib/binding.js), not through `bindings`.
      name: "better-sqlite3-13-binding",
      setup(b) {
        b.onResolve({ filter: /^\.\/binding$/ }, (args) =>
          /better-sqlite3-13[\\/]lib$/.test(args.resolveDir)
            ? { path: join(root, "scripts", "sea", "binding13.cjs") }
            : undefined,
        );
      },
    },
  ],
  inject: [join(root, "scripts", "sea", "files.mjs")],
  define: {
    // ws's optional native accelerators cannot load inside the executable: skip looking for them.
    "process.env.WS_NO_BUFFER_UTIL": '"1"',
    "process.env.WS_NO_UTF_8_VALIDATE": '"1"',
    __SWITCHBOARD_SEA_KEY__: JSON.stringify(key),
    // (a string: esbuild 0.28 fails on an array define)
    __SWITCHBOARD_SEA_ASSETS__: JSON.stringify(JSON.stringify(Object.keys(assets))),
  },
});

const blob = join(out, "sea-prep.blob");
const config = join(out, "sea-config.json");
// execArgv: the young generation `npm start` gives the hub (docs/PERFORMANCE.md); Node 22.20+ and 24 apply it, Node 20
// ignores the field (then set NODE_OPTIONS=--max-semi-space-size=64).
const execArgv = ["--max-semi-space-size=64"];
writeFileSync(
  config,
  JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, execArgv, assets }, null, 2),
);
execFileSync(process.execPath, ["--experimental-sea-config", config], { stdio: "inherit" });

const binary = join(out, process.platform === "win32" ? "switchboard.exe" : "switchboard");
copyFileSync(process.execPath, binary);
chmodSync(binary, 0o755);
await inject(binary, "NODE_SEA_BLOB", readFileSync(blob), {
  sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  ...(process.platform === "darwin" ? { machoSegmentName: "NODE_SEA" } : {}),
});
for (const f of [blob, config, main, join(out, "package.json")]) rmSync(f);
console.log(`${binary} (Node ${process.version}, ${process.platform}-${process.arch})`);
