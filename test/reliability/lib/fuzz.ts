import fc from "fast-check";
import { errorTable, type Caller } from "../../../protocol/index.ts";
import type { TestHub } from "../../helpers/hub.ts";
import type { Frame } from "../../helpers/raw.ts";
import { FuzzSocket } from "./fuzz-socket.ts";
import { SchemaGen, serialize, type Js } from "./schema-gen.ts";
import { bestContext, Drawer, GARBAGE_TEXT, IdPools, inContext, prng } from "./fuzz-inputs.ts";
import { countWrites, fingerprint } from "./state.ts";

/**
 * The hostile-input fuzzer. It reads the methods, their callers and their
 * params and result JSON Schemas from rpc.discover, so methods added later
 * are fuzzed with no change here, and sends, as every principal type:
 *
 * 1. Pipelined frames that must all be refused: params that break the
 *    schema in one checked way, methods outside the caller's callers,
 *    unknown methods, non-JSON text, JSON that is not a request, broken
 *    envelopes, batches, notifications and spoofed callback answers. Each
 *    answer must be the exact error the dispatcher owes it, and the stored
 *    state must not change at all.
 * 2. One call at a time with valid, boundary and hostile params (ids drawn
 *    from the real ones the hub hands out), while the app answers the hub's
 *    callbacks with anything from a proper verdict to garbage or silence.
 *    No answer may be Internal; a valid call may be refused with
 *    InvalidParams only for the checks a schema cannot express; a result
 *    must match its schema; and a refused call must leave the stored state
 *    exactly as it was.
 * 3. Garbage over POST /rpc: never a 500.
 *
 * Then the hub must still be healthy, every fuzzing socket still open, and
 * Object.prototype unpolluted.
 */
export interface FuzzOptions {
  readonly seed: number;
  /** Phase 1: frames in total, spread over the five principal types. */
  readonly pipelinedFrames: number;
  /** Phase 2: calls in total. */
  readonly sequentialCalls: number;
  /** Phase 3: POST /rpc requests. */
  readonly httpRequests: number;
  readonly progress?: (line: string) => void;
}

export interface FuzzReport {
  readonly seed: number;
  readonly frames: number;
  readonly calls: number;
  readonly httpRequests: number;
  /** Answers by outcome: "ok" or the error tag. */
  readonly outcomes: Record<string, number>;
  /** Phase 2 calls that succeeded, by method. */
  readonly accepted: Record<string, number>;
  readonly problems: string[];
  /** Drawn frames left unsent because they exceed --max-frame-bytes (see `fits`). */
  readonly oversize: number;
  readonly ms: number;
  /** Milliseconds per phase: pipelined frames, sequential calls, HTTP. */
  readonly phaseMs: { pipelined: number; sequential: number; http: number };
}

/** Refusals that legitimately leave state behind: a rejected task is stored as failed (section 5.1). */
const STATE_CHANGING_REFUSALS = new Set(["TaskRejected"]);

/**
 * InvalidParams for params the schema accepts: the checks a schema cannot
 * express. Extension point: add the paths of new such checks (e.g. an
 * intent's payload, an action's params) with the reason.
 */
export const SEMANTIC_PARAM_CHECKS: ReadonlyArray<{ readonly path: RegExp; readonly why: string }> = [
  { path: /^\["parts"\]$/, why: "the parts of a message total at most 64 KiB of JSON (section 4)" },
  { path: /^\["cursor"\]$/, why: "a list cursor must be one the list returned" },
  { path: /^\[\]$/, why: "params nest deeper than --max-json-depth" },
  {
    path: /^\["parts",\d+/,
    why: "one intent part per message, and its payload checked against its intent (section 8)",
  },
  { path: /^\["events",\d+\]$/, why: "an events/subscribe pattern must name events (section 7.4)" },
  { path: /^\[("manifest",)?"actions",\d+/, why: "an app-declared action's schemas and permissions (section 7.1)" },
  { path: /^\["url"\]$/, why: "a webhook URL must be https:// and resolve to public addresses (section 12)" },
];

/**
 * Errors a method may answer before it gets to validating part of its
 * params, where the contract orders its checks so: in messages/send the
 * participant, task-state and archive checks come before "parts valid"
 * (section 5.4). An invalid frame may get one of these instead of
 * InvalidParams; it must still be refused and change nothing. Extension
 * point for methods with the same kind of order.
 */
export const CHECKS_BEFORE_PARAMS: Readonly<Record<string, ReadonlyArray<string>>> = {
  "messages/send": ["NotAParticipant", "TaskClosed", "ConversationArchived"],
};

/** A call the hub has not answered by then counts as hung (the slowest legitimate one waits for a callback). */
const ANSWER_DEADLINE_MS = 15_000;

const withDeadline = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });

const CALLERS: ReadonlyArray<Caller> = ["anonymous", "agent", "app", "user", "admin"];

interface DiscoveredMethod {
  readonly name: string;
  readonly "x-callers": ReadonlyArray<Caller>;
  readonly "x-params-schema": Js;
  readonly result: { readonly schema: Js };
}

/**
 * The hub settings a fuzz run needs: floods of malformed frames and of calls are the point, so the
 * 4429 and rate limits (tested on their own) are lifted; callbacks the fuzzed app leaves unanswered
 * time out quickly; sockets may stay unauthenticated for the whole run.
 */
export const FUZZ_HUB_CONFIG = {
  registration: "open",
  malformedLimit: 1_000_000_000,
  rateLimit: 1_000_000,
  rateBurst: 1_000_000,
  callbackTimeoutMs: 200,
  authTimeoutMs: 3_600_000,
} as const;

export const runFuzz = async (t: TestHub, options: FuzzOptions): Promise<FuzzReport> => {
  const started = performance.now();
  const say = options.progress ?? (() => {});
  const problems: string[] = [];
  /** Frames a socket never answered because it closed: reported once per socket, with the close code. */
  const unansweredAtClose = new Map<Caller, number>();
  const outcomes: Record<string, number> = {};
  const accepted: Record<string, number> = {};
  const count = (frame: Frame) => {
    const key = frame.error ? String(frame.error.data?.tag ?? frame.error.code) : "ok";
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    if (frame.error) {
      const tag = String(frame.error.data?.tag);
      const spec = (errorTable as Record<string, { code: number } | undefined>)[tag];
      if (!spec || spec.code !== frame.error.code || !frame.error.message) {
        problems.push(`an error that is not in the error table: ${JSON.stringify(frame.error).slice(0, 300)}`);
      }
    }
  };
  /**
   * A frame over --max-frame-bytes closes its socket with 1009 by design (tested in
   * test/core/frames.test.ts), which would end the run for that principal. The generators can
   * draw one (e.g. maxItems + 1 copies of a large item), and since the five sockets of phase 1
   * share one random stream, whether they do depends on the order answers arrive in: such
   * frames are counted and left unsent.
   */
  let oversize = 0;
  const fits = (text: string): boolean => {
    if (Buffer.byteLength(text) <= t.config.maxFrameBytes) return true;
    oversize++;
    return false;
  };
  const rand = prng(options.seed);
  const drawer = new Drawer(options.seed);
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(rand() * xs.length)]!;

  // The world: fuzzing principals, victims, tasks, conversations and messages for real ids to aim at.
  const admin = await t.admin();
  const fuzzAgent = await t.agent();
  const user = await t.user();
  const fuzzApp = await t.app({ manifest: { hooks: { messageAuthorize: true } } });
  const pools = new IdPools();
  // The admin must not suspend, rotate or re-own the fuzzing principals themselves.
  const adminPools = new IdPools(new Set([fuzzAgent.id, fuzzApp.id, user.id, "admin"]));
  const sockets = new Map<Caller, FuzzSocket>();
  sockets.set("anonymous", await FuzzSocket.open(t.wsUrl, "anonymous"));
  sockets.set("agent", await FuzzSocket.open(t.wsUrl, "agent", fuzzAgent.token));
  sockets.set("app", await FuzzSocket.open(t.wsUrl, "app", fuzzApp.token));
  sockets.set("user", await FuzzSocket.open(t.wsUrl, "user", user.token));
  sockets.set("admin", await FuzzSocket.open(t.wsUrl, "admin", t.adminToken));
  const appSocket = sockets.get("app")!;
  let callbackMode: "accept" | "chaos" = "accept";
  appSocket.onCallback = (f) => {
    if (callbackMode === "accept") {
      return {
        jsonrpc: "2.0",
        id: f.id,
        result: f.method === "task/create" ? { verdict: "accept" } : { decision: "forward" },
      };
    }
    const r = rand();
    const ok =
      f.method === "task/create"
        ? r < 0.7
          ? { verdict: "accept" }
          : { verdict: "reject", reason: "fuzz says no" }
        : r < 0.6
          ? { decision: "forward" }
          : r < 0.75
            ? { decision: "forward", recipients: [pick(pools.pick("agt_") ?? ["agt_none"])] }
            : { decision: "block", reason: "fuzz blocks" };
    const roll = rand();
    if (roll < 0.8) return { jsonrpc: "2.0", id: f.id, result: ok };
    if (roll < 0.88) return { jsonrpc: "2.0", id: f.id, result: { verdict: "perhaps", decision: 7, extra: true } };
    if (roll < 0.93)
      return { jsonrpc: "2.0", id: f.id, error: { code: -32000, message: "nope", data: { tag: "Nope" } } };
    if (roll < 0.96) return "this is not json";
    if (roll < 0.98) return { jsonrpc: "2.0", id: `${String(f.id)}-other`, result: ok };
    return undefined;
  };

  const victims = await Promise.all([0, 1, 2, 3].map(() => t.connectedAgent()));
  const fuzzAgentClient = await t.connect(fuzzAgent.token);
  const onDefault = await fuzzAgentClient.call("task/request", {
    invitedAgentIds: [victims[0]!.id, victims[1]!.id],
    initialConversation: {},
  });
  const onApp = await fuzzAgentClient.call("task/request", {
    appId: fuzzApp.id,
    invitedAgentIds: [victims[2]!.id],
    initialConversation: { name: "fuzzed" },
  });
  for (const { task, conversation } of [onDefault, onApp]) {
    for (let i = 0; i < 3; i++) {
      await fuzzAgentClient.call("messages/send", {
        taskId: task.id,
        conversationId: conversation!.id,
        parts: [{ type: "text", text: `seed message ${i}` }],
      });
    }
  }
  callbackMode = "chaos";

  const seedPools = (value: unknown) => {
    pools.harvest(value);
    adminPools.harvest(value);
  };
  seedPools([fuzzAgent.id, fuzzApp.id, user.id, "app_default", ...victims.map((v) => v.id), onDefault, onApp]);
  /** New tasks, conversations and messages now and then, so the fuzzed calls keep finding live ones. */
  const replenish = async () => {
    const invited = [pick(victims).id, pick(victims).id];
    for (const appId of ["app_default", fuzzApp.id]) {
      const made = await fuzzAgentClient
        .call("task/request", { appId, invitedAgentIds: invited, initialConversation: {} })
        .catch(() => undefined);
      if (!made) continue;
      seedPools(made);
      const sent = await fuzzAgentClient
        .call("messages/send", {
          taskId: made.task.id,
          conversationId: made.conversation!.id,
          parts: [{ type: "text", text: "fresh" }],
        })
        .catch(() => undefined);
      if (sent) seedPools(sent);
    }
  };

  const doc = (await admin.call("rpc.discover")) as {
    methods: DiscoveredMethod[];
    components: { schemas: Record<string, Js> };
  };
  const gens = new Map<Caller, SchemaGen>(
    CALLERS.map((c) => [c, new SchemaGen(doc.components.schemas, c === "admin" ? adminPools : pools)]),
  );
  const gen = gens.get("agent")!;
  const byCaller = new Map<Caller, DiscoveredMethod[]>(
    CALLERS.map((c) => [c, doc.methods.filter((m) => m["x-callers"].includes(c))]),
  );
  const validArbs = new Map<string, fc.Arbitrary<unknown>>();
  const validOf = (caller: Caller, m: DiscoveredMethod) => {
    const key = `${caller} ${m.name}`;
    let arb = validArbs.get(key);
    if (!arb) validArbs.set(key, (arb = gens.get(caller)!.valid(m["x-params-schema"])));
    return arb;
  };

  // ---- Phase 1: pipelined frames that must all be refused, with no state change.
  let frames = 0;
  let nextId = 0;
  const before = await fingerprint(t.hub.storage, { liveEventsOnly: true });
  const phase1Start = performance.now();
  const perSocket = Math.ceil(options.pipelinedFrames / CALLERS.length);
  const WINDOW = 200;
  await Promise.all(
    CALLERS.map(async (caller) => {
      const socket = sockets.get(caller)!;
      const allowed = byCaller.get(caller)!;
      const refusedMethods = doc.methods.filter((m) => !m["x-callers"].includes(caller));
      const refusal = caller === "anonymous" ? "Unauthorized" : "MethodNotFound";
      for (let sent = 0; sent < perSocket && socket.open;) {
        const waits: Array<Promise<void>> = [];
        socket.nullAnswers = [];
        let nulls = 0;
        const frameOf = (withId: boolean): { obj: unknown; want: ReadonlyArray<string> | undefined } => {
          const id = withId ? `p${caller[0]}${++nextId}` : undefined;
          const req = (method: string, params: unknown, hasParams = true) => ({
            jsonrpc: "2.0",
            ...(id === undefined ? {} : { id }),
            method,
            ...(hasParams ? { params } : {}),
          });
          const r = rand();
          if (r < 0.55 || refusedMethods.length === 0) {
            const m = pick(allowed);
            const schema = m["x-params-schema"];
            // An empty array is "no params" (issue 9, for the OpenRPC reference client); other non-objects are refused.
            if (rand() < 0.1)
              return { obj: req(m.name, pick(["params", 7, null, true, [{}], [1]])), want: ["InvalidParams"] };
            const valid = drawer.draw(validOf(caller, m));
            const broken = gens.get(caller)!.breakOne(schema, valid, Math.floor(rand() * 1e6));
            if (!broken) return { obj: req(m.name, [valid]), want: ["InvalidParams"] };
            return { obj: req(m.name, broken.value), want: ["InvalidParams", ...(CHECKS_BEFORE_PARAMS[m.name] ?? [])] };
          }
          if (r < 0.85) {
            const m = pick(refusedMethods);
            return { obj: req(m.name, drawer.draw(gen.valid(m["x-params-schema"]))), want: [refusal] };
          }
          return {
            obj: req(pick(["no/such", "admin/drop-database", "", "rpc.discover/", "Task/Get"]), {}),
            want: ["MethodNotFound"],
          };
        };
        for (let i = 0; i < WINDOW && sent < perSocket; i++, sent++, frames++) {
          const kind = rand();
          if (kind < 0.6) {
            const { obj, want } = frameOf(true);
            const text = JSON.stringify(obj);
            if (!fits(text)) continue;
            const id = (obj as { id: string }).id;
            waits.push(socket.expect(id).then((f) => judge1(caller, obj, f, want)));
            socket.send(text);
          } else if (kind < 0.66) {
            const text = JSON.stringify(frameOf(false).obj);
            if (fits(text)) socket.send(text); // a notification: executed or refused, never answered
          } else if (kind < 0.72) {
            const items = [frameOf(true), frameOf(true), frameOf(false)];
            const text = JSON.stringify(items.map((x) => x.obj));
            if (!fits(text)) continue;
            for (const it of items) {
              const id = (it.obj as { id?: string }).id;
              if (id !== undefined) waits.push(socket.expect(id).then((f) => judge1(caller, it.obj, f, it.want)));
            }
            socket.send(text);
          } else if (kind < 0.8) {
            nulls++;
            socket.send(pick(GARBAGE_TEXT) + (rand() < 0.5 ? "" : "x".repeat(Math.floor(rand() * 5000))));
          } else if (kind < 0.88) {
            nulls++;
            socket.send(
              JSON.stringify(
                pick<unknown>([null, 1, "s", true, [], { jsonrpc: "2.0", id: { x: 1 }, method: "system/ping" }]),
              ),
            );
          } else if (kind < 0.96) {
            const id = `p${caller[0]}${++nextId}`;
            const bad = pick<Record<string, unknown>>([
              { jsonrpc: "1.0", id, method: "system/ping" },
              { id, method: "system/ping" },
              { jsonrpc: "2.0", id, method: 42 },
              { jsonrpc: "2.0", id, method: "system/ping", extra: true },
              { jsonrpc: "2.0", id },
              { jsonrpc: "2.0", id, method: ["system/ping"] },
            ]);
            waits.push(socket.expect(id).then((f) => judge1(caller, bad, f, ["InvalidRequest"])));
            socket.send(JSON.stringify(bad));
          } else {
            // A spoofed answer to a callback that was never made: ignored, not answered.
            socket.send(
              JSON.stringify({ jsonrpc: "2.0", id: `cb-${Math.floor(rand() * 100)}`, result: { verdict: "accept" } }),
            );
          }
        }
        await Promise.all([...waits, socket.nullCount(nulls)]);
        for (const f of socket.nullAnswers) {
          count(f);
          const tag = String(f.error?.data?.tag);
          if (tag !== "ParseError" && tag !== "InvalidRequest")
            problems.push(`${caller}: id-less answer ${JSON.stringify(f).slice(0, 200)}`);
        }
      }
    }),
  );
  const phase1Ms = performance.now() - phase1Start;
  say(`phase 1: ${frames} frames in ${Math.round(phase1Ms)} ms`);
  const after = await fingerprint(t.hub.storage, { liveEventsOnly: true });
  if (after !== before) problems.push("phase 1 changed stored state although every frame was refused");

  function judge1(caller: Caller, sentObj: unknown, f: Frame, want: ReadonlyArray<string> | undefined): void {
    const tag = f.error ? String(f.error.data?.tag) : "ok";
    if (tag === "closed") {
      // One problem per socket, with its close code, is reported at the end; not one per frame.
      unansweredAtClose.set(caller, (unansweredAtClose.get(caller) ?? 0) + 1);
      return;
    }
    count(f);
    if (want && !want.includes(tag) && tag !== "RateLimited") {
      problems.push(
        `${caller}: sent ${JSON.stringify(sentObj).slice(0, 300)} → ${tag}, want ${want.join("|")}: ${JSON.stringify(f).slice(0, 300)}`,
      );
    }
  }

  // ---- Phase 2: one call at a time; refused calls must leave state unchanged.
  let calls = 0;
  const pairs = CALLERS.flatMap((c) => byCaller.get(c)!.map((m) => [c, m] as const));
  const phase2Start = performance.now();
  const writes = countWrites(t.hub.storage.db!);
  let state = writes();
  for (let i = 0; i < options.sequentialCalls; i++) {
    // Every (caller, method) pair equally often.
    const [caller, m] = pick(pairs);
    const socket = sockets.get(caller)!;
    if (!socket.open) break;
    const g = gens.get(caller)!;
    const schema = m["x-params-schema"];
    if (i % 100 === 0) {
      await replenish();
      state = writes();
    }
    const contexts = (caller === "admin" ? adminPools : pools).contexts;
    const context = contexts.length > 0 && rand() < 0.7 ? bestContext(g, schema, contexts, pick) : undefined;
    const valid = inContext(g, schema, drawer.draw(validOf(caller, m)), context);
    const roll = rand();
    let params: unknown = valid;
    let kind: "valid" | "hostile" | "invalid" = "valid";
    if (roll < 0.25) {
      kind = "hostile";
      params = g.hostile(schema, valid, Math.floor(rand() * 1e6));
    } else if (roll < 0.4) {
      const broken = g.breakOne(schema, valid, Math.floor(rand() * 1e6));
      if (broken) {
        kind = "invalid";
        params = broken.value;
      }
    }
    const id = `s${++nextId}`;
    const frame = { jsonrpc: "2.0", id, method: m.name, params };
    const text = serialize(frame);
    if (!fits(text)) continue;
    const answer = socket.expect(id);
    socket.send(text);
    const f = await withDeadline(answer, ANSWER_DEADLINE_MS);
    if (f === undefined) {
      problems.push(`no answer within ${ANSWER_DEADLINE_MS} ms: ${caller} ${kind} ${serialize(frame).slice(0, 600)}`);
      break;
    }
    calls++;
    const show = () => `${caller} ${kind} ${JSON.stringify(frame).slice(0, 400)} → ${JSON.stringify(f).slice(0, 400)}`;
    const now = writes();
    if (f.error?.data?.tag === "closed") {
      problems.push(`the ${caller} socket closed (${JSON.stringify(socket.closed)}) on ${show()}`);
      break;
    }
    count(f);
    if (f.error) {
      const tag = String(f.error.data?.tag);
      const owed = ["InvalidParams", "RateLimited", ...(CHECKS_BEFORE_PARAMS[m.name] ?? [])];
      if (kind === "invalid" && !owed.includes(tag))
        problems.push(`invalid params not refused as InvalidParams: ${show()}`);
      if (kind === "valid" && tag === "InvalidParams") {
        const issues = (f.error.data.issues ?? []) as Array<{ path: unknown[] }>;
        const unexplained = issues.filter(
          (x) => !SEMANTIC_PARAM_CHECKS.some((c) => c.path.test(JSON.stringify(x.path))),
        );
        if (unexplained.length > 0) {
          problems.push(`params valid per rpc.discover refused at ${JSON.stringify(unexplained)}: ${show()}`);
        }
      }
      if (!STATE_CHANGING_REFUSALS.has(tag) && now !== state)
        problems.push(`a refused call changed stored state: ${show()}`);
    } else {
      accepted[m.name] = (accepted[m.name] ?? 0) + 1;
      if (!g.conforms(m.result.schema, f.result)) problems.push(`a result that does not match its schema: ${show()}`);
      seedPools(f.result);
    }
    state = now;
    if (i % 500 === 499) say(`phase 2: ${i + 1} calls`);
  }

  // ---- Phase 3: garbage over POST /rpc.
  const phase2Ms = performance.now() - phase2Start;
  say(`phase 2: ${calls} calls in ${Math.round(phase2Ms)} ms`);
  const phase3Start = performance.now();
  let httpRequests = 0;
  const tokens = [
    undefined,
    "",
    "Bearer",
    `Bearer ${fuzzAgent.token}`,
    "Bearer sb_agent.x.y",
    "Basic abc",
    "Bearer " + "a".repeat(5000),
  ];
  for (let i = 0; i < options.httpRequests; i++) {
    const auth = pick(tokens);
    const body = pick<() => string>([
      () => pick(GARBAGE_TEXT),
      () => JSON.stringify(drawer.draw(fc.jsonValue({ maxDepth: 4 }))),
      () =>
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: pick(doc.methods).name,
          params: drawer.draw(fc.jsonValue({ maxDepth: 3 })),
        }),
      () =>
        JSON.stringify([
          { jsonrpc: "2.0", id: 1, method: "system/ping" },
          { jsonrpc: "2.0", method: "events/ack", params: { cursor: "1" } },
        ]),
    ])();
    const method = pick(["POST", "POST", "POST", "GET", "PUT"]);
    const res = await fetch(`${t.url}${pick(["/rpc", "/rpc", "/rpc", "/rpc/", "/api/actions/x", "/ws"])}`, {
      method,
      headers: {
        "content-type": pick(["application/json", "text/plain"]),
        ...(auth === undefined ? {} : { authorization: auth }),
      },
      ...(body === "" || method === "GET" ? {} : { body }),
    }).catch((err: unknown) => ({ status: -1, text: async () => String(err) }));
    httpRequests++;
    const text = await res.text();
    let internal = false;
    try {
      const parsed = JSON.parse(text) as Frame | Frame[];
      internal = (Array.isArray(parsed) ? parsed : [parsed]).some((f) => f?.error?.code === -32603);
    } catch {
      // Not JSON (a 204, or a plain 404 body): nothing to look into.
    }
    if (res.status === 500 || res.status === -1 || internal) {
      problems.push(`POST /rpc answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }

  const phase3Ms = performance.now() - phase3Start;
  await fuzzAgentClient.close();

  // ---- The hub is still standing.
  const health = await fetch(`${t.url}/healthz`);
  if (health.status !== 200) problems.push(`/healthz answered ${health.status} after fuzzing`);
  for (const [caller, socket] of sockets) {
    problems.push(...socket.findings);
    if (!socket.open) {
      const lost = unansweredAtClose.get(caller) ?? 0;
      problems.unshift(
        `the ${caller} socket was closed: ${JSON.stringify(socket.closed)}; ${lost} pipelined frames unanswered`,
      );
      continue;
    }
    const id = `z${++nextId}`;
    const pong = socket.expect(id);
    socket.send(JSON.stringify({ jsonrpc: "2.0", id, method: "system/ping" }));
    if ((await pong).result?.now === undefined) problems.push(`the ${caller} socket no longer answers system/ping`);
    await socket.close();
  }
  const proto = Object.prototype as Record<string, unknown>;
  if ("polluted" in proto || (proto.constructor as unknown as Record<string, unknown>).polluted !== undefined) {
    problems.push("Object.prototype was polluted");
  }
  return {
    seed: options.seed,
    frames,
    calls,
    httpRequests,
    outcomes,
    accepted,
    problems,
    oversize,
    ms: Math.round(performance.now() - started),
    phaseMs: { pipelined: Math.round(phase1Ms), sequential: Math.round(phase2Ms), http: Math.round(phase3Ms) },
  };
};
