/**
 * Bundle the inspector's page into dist/inspector (npm run build:inspector,
 * run by prepare): one ES module, one stylesheet, the HTML shell. esbuild
 * is what tsx already runs on; nothing is fetched from elsewhere at run time.
 */
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const out = here("../dist/inspector/");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: here("src/main.tsx") },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: out,
  legalComments: "eof",
  logLevel: "warning",
});
await copyFile(here("index.html"), `${out}index.html`);
process.stdout.write(`inspector built into ${out}\n`);
