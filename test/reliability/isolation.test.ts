import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RpcError, methods } from "../../protocol/index.ts";
import type { SwitchboardClient } from "../../client/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { fingerprint } from "./lib/state.ts";
import { httpCall, outcome } from "./lib/rpc.ts";
import { leaks, makeTenants, type Member, type Tenant } from "./lib/tenants.ts";
import {
  ISOLATION_PROBES,
  OWN_STATE_PROBES,
  TENANT_FREE,
  redeclared,
  updatedCard,
  type IsolationProbe,
} from "./isolation-probes.ts";

const memberOf = (tenant: Tenant, as: IsolationProbe["as"]): Member =>
  as === "agent" ? tenant.agents[0] : as === "app" ? tenant.app : tenant.user;

const socketOnly = new Set<string>(methods.filter((m) => m.socketOnly).map((m) => m.name));

/** Run one probe over the socket and over POST /rpc; returns what went wrong (empty when it held). */
const runProbe = async (t: TestHub, probe: IsolationProbe, victim: Tenant, attacker: Tenant): Promise<string[]> => {
  const who = memberOf(attacker, probe.as);
  const params = probe.params(victim, attacker);
  const label = `${probe.method} as ${probe.as} of ${attacker.label} (${probe.why})`;
  const problems: string[] = [];

  const passed = JSON.stringify(params);
  const judge = (via: string, tag: string, result: unknown, message?: string) => {
    if (probe.expect === "no-leak") {
      const fine = tag === "ok" || (probe.alsoAccept ?? []).some((t) => t === tag);
      if (!fine) problems.push(`${label} via ${via}: failed with ${tag} (${message ?? ""})`);
      const found = leaks(victim, result).filter((m) => !(probe.echoes === true && passed.includes(m)));
      if (found.length > 0) problems.push(`${label} via ${via}: leaked ${found.join(", ")}`);
      if (probe.items !== undefined && tag === "ok") {
        const results = (result as { results: Array<{ success: boolean; error?: { data: { tag: string } } }> }).results;
        results.forEach((r, i) => {
          const got = r.success ? "ok" : r.error!.data.tag;
          if (!(probe.items as ReadonlyArray<string>).includes(got)) {
            problems.push(`${label} via ${via}: item ${i} got ${got}, want ${probe.items!.join(" or ")}`);
          }
        });
      }
    } else {
      if (!(probe.expect as ReadonlyArray<string>).includes(tag)) {
        problems.push(`${label} via ${via}: got ${tag}, want ${probe.expect.join(" or ")}`);
      }
      const reason = (result as { reason?: unknown } | undefined)?.reason;
      if (probe.reason !== undefined && reason !== probe.reason) {
        problems.push(`${label} via ${via}: reason ${String(reason)}, want ${probe.reason}`);
      }
      // An error may name the caller's own ids, never the victim's.
      const found = leaks(victim, { message, result }).filter((m) => !passed.includes(m));
      if (found.length > 0) problems.push(`${label} via ${via}: the answer leaked ${found.join(", ")}`);
    }
  };

  try {
    const result = await who.client.call(probe.method as "system/ping", params as never);
    judge("socket", "ok", result);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    judge("socket", err.tag, err.data, err.message);
  }
  if (!socketOnly.has(probe.method)) {
    const { frame } = await httpCall(t.url, who.token, probe.method, params);
    judge("POST /rpc", outcome(frame), frame?.result ?? frame?.error?.data, frame?.error?.message);
  }
  return problems;
};

describe("tenant isolation: no principal sees or touches another tenant's tasks, conversations, messages, actions or events", () => {
  let t: TestHub;
  let a: Tenant;
  let b: Tenant;
  const received = new Map<SwitchboardClient, Array<{ method: string; params: unknown }>>();
  const clients = () =>
    [a, b].flatMap((x) => [x.app.client, x.user.client, x.peer.client, ...x.agents.map((m) => m.client)]);
  /** Wait until every socket has delivered what was pushed to it before now. */
  const settle = () => Promise.all(clients().map((c) => c.call("system/ping")));

  beforeAll(async () => {
    t = await TestHub.start();
    [a, b] = (await makeTenants(t, ["a", "b"])) as [Tenant, Tenant];
    await settle();
    for (const c of clients()) {
      const log: Array<{ method: string; params: unknown }> = [];
      received.set(c, log);
      c.onAny((method, params) => log.push({ method, params }));
    }
  });
  afterAll(() => t.stop());

  it("covers every declared method: each is probed or listed as holding no tenant data", () => {
    const probed = new Set([...ISOLATION_PROBES, ...OWN_STATE_PROBES].map((p) => p.method));
    const declared = new Set<string>(methods.map((m) => m.name));
    const missing = [...declared].filter((m) => !probed.has(m) && !(m in TENANT_FREE));
    expect(
      missing,
      "add rows for these methods to ISOLATION_PROBES (test/reliability/isolation-probes.ts), or list them in TENANT_FREE with the reason they hold no tenant data",
    ).toEqual([]);
    const unknown = [...probed, ...Object.keys(TENANT_FREE)].filter((m) => !declared.has(m));
    expect(unknown, "rows name methods that are not declared").toEqual([]);
  });

  it("refuses or empties every cross-tenant probe, in both directions, with no state change and no notification", async () => {
    const before = await fingerprint(t.hub.storage);
    const problems: string[] = [];
    for (const [victim, attacker] of [
      [a, b],
      [b, a],
    ] as const) {
      for (const probe of ISOLATION_PROBES) problems.push(...(await runProbe(t, probe, victim, attacker)));
    }
    expect(problems).toEqual([]);
    expect(await fingerprint(t.hub.storage)).toBe(before);
    await settle();
    for (const [client, log] of received) expect(log, `notifications to ${client.principal?.type}`).toEqual([]);
  });

  it("delivers action events to a subscribed app only for the users who granted it (10.13)", async () => {
    for (const [own, other] of [
      [a, b],
      [b, a],
    ] as const) {
      // Both apps followed every event before either tenant acted (makeTenants).
      const { items } = await own.app.client.call("events/replay", { after: "0", limit: 1000 });
      const resources = new Set(items.map((i) => (i.params as { resource?: { id: string } }).resource?.id));
      const expected = [
        own.intent,
        own.request,
        own.keyedIntent,
        own.cancelledIntent,
        own.connection,
        own.chat,
        own.circle,
      ];
      for (const id of expected) {
        expect(resources, `${own.label}'s app sees its user's ${id}`).toContain(id);
      }
      expect(leaks(other, items)).toEqual([]);
    }
  });

  it("lets a principal change its own state only: the other tenant's log, lists, cards and catalog stay whole", async () => {
    const view = async (x: Tenant) => ({
      replay: await Promise.all(
        [...x.agents, x.user, x.peer, x.app].map((m) => m.client.call("events/replay", { after: "0", limit: 1000 })),
      ),
      tasks: await x.agents[0].client.call("task/list", { limit: 200 }),
      conversations: await x.agents[0].client.call("agent/conversation/list", { limit: 200 }),
      messages: await x.agents[0].client.call("messages/list", { taskId: x.task, conversationId: x.conversation }),
      appTasks: await x.app.client.call("app/task/list", { limit: 200 }),
      cards: await Promise.all(x.agents.map((m) => x.user.client.call("agent/card/get", { agentId: m.id }))),
      catalog: (await x.user.client.call("actions/list", {})).actions.filter((e) => e.appId === x.app.id),
      consents: await x.user.client.call("consent/list", { limit: 200 }),
      userGrants: await x.user.client.call("grants/list", { limit: 200 }),
      appGrants: await x.app.client.call("grants/list", { limit: 200 }),
    });
    const victimBefore = await view(a);
    expect(victimBefore.replay[0]!.items.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const probe of OWN_STATE_PROBES) problems.push(...(await runProbe(t, probe, a, b)));
    expect(problems).toEqual([]);
    expect(await view(a)).toEqual(victimBefore);
    // And the probes did what they say to the caller's own state.
    expect((await b.agents[0].client.call("events/replay", { after: "0" })).items).toEqual([]);
    expect((await b.user.client.call("agent/card/get", { agentId: b.agents[0].id })).card).toEqual(updatedCard("b"));
    const own = (await b.user.client.call("actions/list", {})).actions.filter((e) => e.appId === b.app.id);
    expect(own.map((e) => e.description)).toEqual([redeclared("b").description]);
    // The victim's approval still stands, for the agent it was given to.
    const done = await a.agents[0].client.call("actions/invoke", {
      action: "connection.create",
      params: { ...a.connectionParams },
      confirmationId: a.approvedConfirmation,
    });
    expect(done.result).toMatchObject({ action: "connection.create", actorUserId: a.user.id });
  });
});
