import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The repository carries its own wire contract, kept in step with ../shared/PROTOCOL.md (the source). */
describe("the repository is self-contained", () => {
  it("docs/PROTOCOL.md is a copy of ../shared/PROTOCOL.md (cp ../shared/PROTOCOL.md docs/ after a change there)", () => {
    const copy = readFileSync("docs/PROTOCOL.md", "utf8");
    expect(copy).toMatch(/JSON-RPC/);
    if (existsSync("../shared/PROTOCOL.md")) expect(copy).toBe(readFileSync("../shared/PROTOCOL.md", "utf8"));
  });

  it("LICENSE is the license package.json names", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { license: string };
    expect(pkg.license).toBe("MIT");
    expect(readFileSync("LICENSE", "utf8")).toMatch(/^MIT License/);
  });

  it("every way of starting the hub gives it the same young generation (docs/PERFORMANCE.md#the-young-generation)", () => {
    const flag = "--max-semi-space-size=64";
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(readFileSync("bin/switchboard.js", "utf8").split("\n")[0]).toBe(`#!/usr/bin/env -S node ${flag}`);
    expect(pkg.scripts["start"]).toContain(`node ${flag} `);
    expect(pkg.scripts["switchboard"]).toContain(`node ${flag} `);
    expect(readFileSync("scripts/sea/build.mjs", "utf8")).toContain(`execArgv = ["${flag}"]`);
    expect(readFileSync("bench/lib/procs.ts", "utf8")).toContain(`"${flag}", // as \`npm start\``);
  });
});
