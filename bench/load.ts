import { readFileSync } from "node:fs";
import type { FromLoad, LoadResult, Plan, ToLoad } from "./lib/plan.ts";
import { prepareConnections } from "./load/connections.ts";
import { prepareDirect } from "./load/direct.ts";
import { prepareFanout } from "./load/fanout.ts";
import { prepareHistory } from "./load/history.ts";
import { prepareLatency } from "./load/latency.ts";

/**
 * A load process: `node --import tsx bench/load.ts PLAN.json`, started by
 * bench/run.ts with an IPC channel. It connects its sockets, says `ready`,
 * runs the scenario on `go`, reports marks as it goes (the orchestrator
 * samples the server's CPU and memory there) and ends with its counts.
 */
const tell = (m: FromLoad, then?: () => void) => process.send!(m, undefined, {}, () => then?.());

const prepare = (plan: Plan, mark: (name: string) => void): Promise<{ run(): Promise<LoadResult> }> => {
  switch (plan.scenario) {
    case "direct":
      return prepareDirect(plan, mark);
    case "fanout":
      return prepareFanout(plan, mark);
    case "latency":
      return prepareLatency(plan, mark);
    case "connections":
      return prepareConnections(plan, mark);
    case "history":
      return prepareHistory(plan, mark);
  }
};

const fail = (err: unknown) =>
  tell({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
    process.exit(1),
  );

try {
  const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Plan;
  const runner = await prepare(plan, (name) => tell({ type: "mark", name }));
  process.once("message", (m: ToLoad) => {
    if (m.type !== "go") return;
    runner.run().then((result) => tell({ type: "result", result }, () => process.exit(0)), fail);
  });
  tell({ type: "ready" });
} catch (err) {
  fail(err);
}
