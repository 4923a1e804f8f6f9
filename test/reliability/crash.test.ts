import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crashRounds } from "./lib/crash.ts";

describe("crash safety: SIGKILL at random moments loses nothing acknowledged", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-crash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps every acknowledged message, gapless seqs, complete event logs and an intact database across kills", async () => {
    const report = await crashRounds({ rounds: Number(process.env.SB_CRASH_ROUNDS ?? 3), seed: 7, dir });
    expect(report.problems).toEqual([]);
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.listenerReceived).toBe(report.acknowledged);
    expect(report.messagesStored).toBe(report.acknowledged);
  }, 120_000);
});
