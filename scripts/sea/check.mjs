// The single executable, tested the way a user meets it (.ci/run runs this
// after `npm run build:binary`): copied alone into an empty folder, it starts
// with an empty cache folder, serves GET /healthz, and passes the outside
// smoke test (../shared/tools/smoke.mjs) when that is present.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const built = join(root, "dist", "sea", "switchboard");
if (!existsSync(built)) {
  console.error("no dist/sea/switchboard: run `npm run build:binary` first");
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "sb-sea-"));
const alone = join(dir, "alone");
const cache = join(dir, "cache");
const binary = join(alone, "switchboard");
spawnSync("mkdir", ["-p", alone]);
copyFileSync(built, binary);
spawnSync("chmod", ["+x", binary]);
const env = { ...process.env, SWITCHBOARD_CACHE_DIR: cache, NODE_OPTIONS: "" };
delete env.SWITCHBOARD_ADMIN_TOKEN;

let failed = 0;
let passed = 0;
const check = (ok, what, detail = "") => {
  console.log(`${ok ? "PASS" : "FAIL"}  ${what}${ok || !detail ? "" : `\n      ${detail}`}`);
  if (ok) passed++;
  else failed++;
};

// 1. Alone in an empty folder, from an empty cache: it starts and serves /healthz.
const port = 20_000 + Math.floor(Math.random() * 20_000);
const hub = spawn(binary, ["serve", "--port", String(port), "--db", join(alone, "data", "hub.db")], {
  cwd: alone,
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
hub.stdout.on("data", (d) => (output += d));
hub.stderr.on("data", (d) => (output += d));
let healthy = false;
for (let i = 0; i < 120 && hub.exitCode === null && !healthy; i++) {
  healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!healthy) await new Promise((r) => setTimeout(r, 250));
}
check(healthy, "the binary alone in an empty folder serves GET /healthz", output.slice(-2000));
check(readdirSync(cache).length === 1, "it unpacked its files into one folder of SWITCHBOARD_CACHE_DIR");
hub.kill("SIGTERM");
await new Promise((r) => hub.once("exit", r));
check(!/Warning|Error/.test(output), "it printed no warning", output.slice(-2000));

// 2. The outside smoke test, whose `npm start` runs the binary.
const smoke = join(root, "..", "shared", "tools", "smoke.mjs");
if (existsSync(smoke)) {
  const project = join(dir, "smoke");
  spawnSync("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "sea-smoke", private: true, scripts: { start: `cd ${alone} && ./switchboard serve` } }),
  );
  // smoke.mjs speaks WebSocket with the ws package found from its working folder.
  symlinkSync(join(root, "node_modules"), join(project, "node_modules"));
  const run = spawnSync(process.execPath, [smoke], { cwd: project, env, encoding: "utf8", timeout: 180_000 });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  check(run.status === 0, "../shared/tools/smoke.mjs passes against the binary");
}
rmSync(dir, { recursive: true, force: true });
console.log(`sea: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
