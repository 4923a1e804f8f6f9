import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { methods, type Caller } from "../../protocol/index.ts";
import { TestHub } from "../helpers/hub.ts";
import type { RawSocket, Frame } from "../helpers/raw.ts";
import { fingerprint } from "./lib/state.ts";
import { httpCall, outcome } from "./lib/rpc.ts";

/**
 * The authorization matrix, enumerated from the method declarations as
 * rpc.discover serves them: every method × every principal type, over the
 * socket and over POST /rpc. A method added to protocol/registry.ts is in the
 * matrix without anyone touching this file.
 */
const CALLERS: ReadonlyArray<Caller> = ["anonymous", "agent", "app", "user", "admin"];
const PROBE_FIELD = "x-authz-probe";

interface DiscoveredMethod {
  readonly name: string;
  readonly "x-callers": ReadonlyArray<Caller>;
  readonly "x-socket-only"?: boolean;
}

describe("authorization matrix: every method × every principal type", () => {
  let t: TestHub;
  let discovered: DiscoveredMethod[];
  const sockets = new Map<Caller, RawSocket>();
  const tokens = new Map<Caller, string | undefined>();

  beforeAll(async () => {
    t = await TestHub.start();
    const agent = await t.agent();
    const app = await t.app();
    const user = await t.user();
    tokens.set("anonymous", undefined);
    tokens.set("agent", agent.token);
    tokens.set("app", app.token);
    tokens.set("user", user.token);
    tokens.set("admin", t.adminToken);
    for (const caller of CALLERS) {
      const token = tokens.get(caller);
      sockets.set(caller, await t.raw(token === undefined ? {} : { authorization: `Bearer ${token}` }));
    }
    const doc = await sockets.get("anonymous")!.request("rpc.discover");
    discovered = doc.result.methods as DiscoveredMethod[];
  });
  afterAll(() => t.stop());

  it("rpc.discover lists exactly the declared methods, each with its declared callers", () => {
    expect(discovered.map((m) => m.name).sort()).toEqual(methods.map((m) => m.name).sort());
    for (const m of methods) {
      const d = discovered.find((x) => x.name === m.name)!;
      expect([...d["x-callers"]].sort(), m.name).toEqual([...m.callers].sort());
      for (const c of m.callers) expect(CALLERS, `${m.name} declares an unknown caller type`).toContain(c);
    }
  });

  it("over the socket: callers outside a method's callers are refused before params are read; callers inside reach its params", async () => {
    const before = await fingerprint(t.hub.storage);
    const rows: string[] = [];
    for (const m of discovered) {
      for (const caller of CALLERS) {
        const answer = await sockets.get(caller)!.request(m.name, { [PROBE_FIELD]: true });
        const got = outcome(answer);
        const want = expected(m, caller, true);
        if (got !== want) rows.push(`${m.name} as ${caller}: got ${got}, want ${want}`);
        else checkMessage(m, caller, answer, rows);
      }
    }
    expect(rows).toEqual([]);
    expect(await fingerprint(t.hub.storage)).toBe(before);
  });

  it("over POST /rpc: the same matrix, and socket-only methods are MethodNotFound for everyone", async () => {
    const before = await fingerprint(t.hub.storage);
    const rows: string[] = [];
    for (const m of discovered) {
      for (const caller of CALLERS) {
        const { status, frame } = await httpCall(t.url, tokens.get(caller), m.name, { [PROBE_FIELD]: true });
        const got = outcome(frame);
        const want = expected(m, caller, false);
        if (status !== 200 || got !== want) rows.push(`${m.name} as ${caller}: got ${status} ${got}, want 200 ${want}`);
      }
    }
    expect(rows).toEqual([]);
    expect(await fingerprint(t.hub.storage)).toBe(before);
  });

  it("a method name outside the registry is MethodNotFound for every principal type, never Unauthorized", async () => {
    for (const caller of CALLERS) {
      for (const name of ["admin/everything", "task/get/", "TASK/GET", "__proto__", "constructor", "rpc.discover "]) {
        expect(outcome(await sockets.get(caller)!.request(name, {})), `${name} as ${caller}`).toBe("MethodNotFound");
      }
    }
  });
});

/** What the dispatcher must answer a probe (params with one unknown field) from `caller`. */
const expected = (m: DiscoveredMethod, caller: Caller, socket: boolean): string => {
  const allowed = m["x-callers"].includes(caller);
  if (!allowed) return caller === "anonymous" ? "Unauthorized" : "MethodNotFound";
  if (!socket && m["x-socket-only"]) return "MethodNotFound";
  return "InvalidParams";
};

/** Refusals say what to do; an admitted caller's InvalidParams names the unknown field. */
const checkMessage = (m: DiscoveredMethod, caller: Caller, answer: Frame, rows: string[]): void => {
  const error = answer.error!;
  if (error.data.tag === "InvalidParams") {
    const paths = (error.data.issues as Array<{ path: unknown[] }>).map((i) => JSON.stringify(i.path));
    if (!paths.includes(JSON.stringify([PROBE_FIELD]))) {
      rows.push(`${m.name} as ${caller}: InvalidParams does not name ${PROBE_FIELD} (${paths.join(", ")})`);
    }
  } else if (error.data.tag === "MethodNotFound" && !error.message.includes("rpc.discover")) {
    rows.push(`${m.name} as ${caller}: MethodNotFound without a pointer to rpc.discover: ${error.message}`);
  } else if (error.data.tag === "Unauthorized" && !error.message.includes("auth/connect")) {
    rows.push(`${m.name} as ${caller}: Unauthorized without saying how to authenticate: ${error.message}`);
  }
};
