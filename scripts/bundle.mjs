// Bundle the hub's command line and the examples with esbuild into dist/.
//
// Why a bundler rather than tsc's one file per module: the hub loads effect,
// and Node spends about a second of CPU resolving and compiling its hundreds
// of modules at every start; one tree-shaken file starts in about a third of
// that (docs/PERFORMANCE.md has the figures). The typed client package is
// still emitted by tsc, file by file with declarations (client/tsconfig.build.json).
//
// This script writes dist/switchboard.js and dist/example-*.js (ESM);
// scripts/sea/build.mjs reuses its options for the single executable's
// CommonJS bundle.
//
// Modules of server/ and storage/ that find files next to themselves through
// import.meta.url (the SQL migrations, package.json) get the URL their source
// file would have inside dist/ (ESM) or inside the executable's cache folder
// (SEA), and those files are copied there.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

/** The files the bundled code reads at run time, relative to the project's root. */
export const runtimeFiles = () => {
  const walk = (dir) =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".sql") ? [join(dir, e.name)] : [],
    );
  return walk("storage");
};

const moduleUrls = (sea) => ({
  name: "module-urls",
  setup(b) {
    b.onLoad({ filter: /[\\/](server|storage)[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const rel = relative(root, args.path).split("\\").join("/");
      const url = sea
        ? `__switchboardFileUrl(${JSON.stringify(rel)})`
        : `new URL(${JSON.stringify(`./${rel}`)}, import.meta.url).href`;
      return { contents: source.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
});

/** The options both bundles share; `sea` for the single executable's. */
export const commonOptions = (sea) => ({
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
  // ws loads these optional accelerators when present.
  external: ["bufferutil", "utf-8-validate"],
  plugins: [moduleUrls(sea)],
});

export const bundle = async () => {
  const common = commonOptions(false);
  // Remove only what this script writes (dist/ may hold other builds' folders).
  mkdirSync(dist, { recursive: true });
  for (const e of readdirSync(dist, { withFileTypes: true })) {
    if (e.isFile() && /\.(js|js\.map|LEGAL\.txt)$/.test(e.name)) rmSync(join(dist, e.name));
  }
  rmSync(join(dist, "storage"), { recursive: true, force: true });
  const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".ts") && f !== "lib.ts");
  await build({
    ...common,
    entryPoints: {
      switchboard: join(root, "server/cli/main.ts"),
      ...Object.fromEntries(examples.map((f) => [`example-${basename(f, ".ts")}`, join(root, "examples", f)])),
    },
    outdir: dist,
    format: "esm",
    splitting: true,
    chunkNames: "chunk-[hash]",
    // better-sqlite3 (12 and 13, storage/sqlite-driver.ts) finds its native addon next to its own files in node_modules.
    external: [...common.external, "better-sqlite3", "better-sqlite3-13"],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  });
  for (const file of runtimeFiles()) cpSync(join(root, file), join(dist, file));
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundle();
