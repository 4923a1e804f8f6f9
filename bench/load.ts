import { readFileSync } from "node:fs";
import type { FromLoad, MarkFn, Plan, Runner, ToLoad } from "./lib/plan.ts";
import { prepareConnections } from "./load/connections.ts";
import { prepareDirect } from "./load/direct.ts";
import { prepareFanout } from "./load/fanout.ts";
import { prepareHistory } from "./load/history.ts";
import { prepareLatency } from "./load/latency.ts";

/**
 * A load process: `node --import tsx bench/load.ts PLAN.json`, started by
 * bench/run.ts with an IPC channel. It connects its sockets and says
 * `ready`; then runs each `step` it is sent (a measured window, or the whole
 * scenario), reporting marks as it goes (the orchestrator samples the
 * server's CPU and memory there) and ending each step with its counts.
 */
const tell = (m: FromLoad, then?: () => void) => process.send!(m, undefined, {}, () => then?.());

const prepare = (plan: Plan, mark: MarkFn): Promise<Runner> => {
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

let resume: (() => void) | undefined;
const mark: MarkFn = (name, wait = false) => {
  tell({ type: "mark", name, wait });
  return wait ? new Promise<void>((resolve) => (resume = resolve)) : Promise.resolve();
};

try {
  const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Plan;
  const runner = await prepare(plan, mark);
  process.on("message", (m: ToLoad) => {
    switch (m.type) {
      case "step":
        runner.step(m.name, m.args).then((result) => tell({ type: "result", result }), fail);
        return;
      case "continue":
        resume?.();
        resume = undefined;
        return;
      case "exit":
        runner.close();
        process.exit(0);
    }
  });
  tell({ type: "ready" });
} catch (err) {
  fail(err);
}
