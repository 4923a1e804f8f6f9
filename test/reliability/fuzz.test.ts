import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { FUZZ_HUB_CONFIG, runFuzz } from "./lib/fuzz.ts";

const SEED = Number(process.env.SB_FUZZ_SEED ?? 20_261_121);

describe("hostile input: a fuzzer driven by rpc.discover", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(FUZZ_HUB_CONFIG);
  });
  afterAll(() => t.stop());

  it("never answers Internal, never crashes and never changes state on a refused call, as any principal", async () => {
    const report = await runFuzz(t, {
      seed: SEED,
      pipelinedFrames: Number(process.env.SB_FUZZ_FRAMES ?? 20_000),
      sequentialCalls: Number(process.env.SB_FUZZ_CALLS ?? 2_500),
      httpRequests: 300,
    });
    expect(report.problems.slice(0, 20), `seed ${SEED}; ${report.problems.length} problems`).toEqual([]);
    expect(report.frames + report.calls).toBeGreaterThanOrEqual(20_000);
    // The valid calls reached past validation into the handlers.
    expect(report.outcomes.ok ?? 0).toBeGreaterThan(100);
    expect(Object.keys(report.accepted).length).toBeGreaterThan(15);
  }, 120_000);
});
