// Bundle the hub's command line and the examples with esbuild into dist/.
//
// Why a bundler rather than tsc's one file per module: the hub loads effect,
// and Node spends about a second of CPU resolving and compiling its hundreds
// of modules at every start; one tree-shaken file starts in about a third of
// that (docs/PERFORMANCE.md has the figures). The typed client package is
// still emitted by tsc, file by file with declarations (client/tsconfig.build.json).
//
//   node scripts/bundle.mjs          dist/switchboard.js, dist/example-*.js (ESM)
//   node scripts/bundle.mjs --sea    dist/sea/switchboard.cjs (CommonJS, for the single executable)
//
// Modules of server/ and storage/ that find files next to themselves through
// import.meta.url (the SQL migrations, package.json) get the URL their source
// file would have inside dist/ (ESM) or inside the executable's cache folder
// (--sea), and those files are copied there.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const sea = process.argv.includes("--sea");

/** The files the bundled code reads at run time, relative to the project's root. */
export const runtimeFiles = () => {
  const walk = (dir) =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".sql") ? [join(dir, e.name)] : [],
    );
  return walk("storage");
};

const moduleUrls = {
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
};

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
  // ws loads these optional accelerators when present.
  external: ["bufferutil", "utf-8-validate"],
  plugins: [moduleUrls],
};

if (!sea) {
  // Remove only what this script writes (dist/ may hold other builds' folders).
  for (const e of readdirSync(dist, { withFileTypes: true }).filter(() => true)) {
    if (e.isFile() && /\.(js|js\.map|LEGAL\.txt)$/.test(e.name)) rmSync(join(dist, e.name));
  }
  rmSync(join(dist, "storage"), { recursive: true, force: true });
  const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".ts") && f !== "lib.ts");
  await build({
    ...common,
    entryPoints: {
      switchboard: "server/cli/main.ts",
      ...Object.fromEntries(examples.map((f) => [`example-${basename(f, ".ts")}`, `examples/${f}`])),
    },
    outdir: dist,
    format: "esm",
    splitting: true,
    chunkNames: "chunk-[hash]",
    // better-sqlite3 finds its native addon next to its own files in node_modules.
    external: [...common.external, "better-sqlite3"],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  });
  for (const file of runtimeFiles()) cpSync(join(root, file), join(dist, file));
} else {
  mkdirSync(join(dist, "sea"), { recursive: true });
  await build({
    ...common,
    entryPoints: ["server/cli/main.ts"],
    outfile: join(dist, "sea", "switchboard.cjs"),
    format: "cjs",
    // better-sqlite3's JavaScript is bundled; its addon comes out of the executable (scripts/sea/).
    alias: { bindings: join(root, "scripts", "sea", "bindings.cjs") },
    inject: [join(root, "scripts", "sea", "files.cjs")],
  });
}
