import { execFileSync } from "node:child_process";

/**
 * Tests that start the hub, the command line or an example as a process run
 * the built code (what `npm start` and the `switchboard` bin run), so it is
 * bundled afresh from the sources before every run (a few seconds with esbuild).
 */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" });
}
