import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendIntent } from "../../client/index.ts";
import { intentNames, isRequestIntent, responseOf, type IntentName } from "../../protocol/index.ts";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import { allMessages, profile, room, type Room } from "./fixture.ts";
import { mutated, mutationKinds, validPayload, type PayloadContext } from "./spec.ts";

const RUNS = 8;

describe("intent payloads over a real socket", () => {
  let t: TestHub;
  let r: Room;
  let ctx: PayloadContext;
  /** The correlationId of a request of each type, for responses to answer. */
  const requests = new Map<IntentName, string>();

  beforeAll(async () => {
    t = await TestHub.start();
    r = await room(t, 3);
    const [alice] = r.agents;
    const own = [];
    for (let i = 0; i < 3; i++) own.push((await sendIntent(alice!.client, r.ref, "ping", { note: `#${i}` })).id);
    ctx = {
      did: fc.constantFrom(...r.agents.map((a) => a.did)),
      messageId: fc.constantFrom(...own),
      choiceIndex: fc.nat({ max: 9 }),
    };
    const ten = Array.from({ length: 10 }, (_, i) => `option ${i}`);
    for (const intent of intentNames.filter(isRequestIntent)) {
      const payload = fc.sample(validPayload(intent, ctx), { numRuns: 1, seed: 1 })[0]!;
      const request = await alice!.client.call("messages/send", {
        ...r.ref,
        parts: [{ type: "intent", intent, payload: intent === "ask" ? { question: "Pick", choices: ten } : payload }],
      });
      requests.set(responseOf[intent], request.message.correlationId!);
    }
  });
  afterAll(() => t.stop());

  const send = (intent: IntentName, payload: unknown) =>
    r.agents[0]!.client.call("messages/send", {
      ...r.ref,
      parts: [
        {
          type: "intent",
          intent,
          payload,
          ...(requests.has(intent) ? { correlationId: requests.get(intent)! } : {}),
        },
      ],
    });

  it.each(intentNames)("%s: valid payloads are stored and answered as sent", async (intent) => {
    await fc.assert(
      fc.asyncProperty(validPayload(intent, ctx), async (payload) => {
        const { message } = await send(intent, payload);
        expect(message.parts).toEqual([
          { type: "intent", intent, payload, ...(requests.has(intent) ? { correlationId: requests.get(intent) } : {}) },
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(intentNames)("%s: mutated payloads are InvalidParams at parts[0].payload.<path>", async (intent) => {
    const kinds = mutationKinds.map((k) => mutated(intent, k, ctx)).filter((a) => a !== undefined);
    const before = (await allMessages(r.agents[0]!.client, r.ref)).length;
    await fc.assert(
      fc.asyncProperty(fc.oneof(...kinds), async (mutation) => {
        const err = await rejects(send(intent, mutation.payload), "InvalidParams");
        expect(err.data).toEqual({
          issues: [{ path: ["parts", 0, "payload", ...mutation.path], message: expect.any(String) }],
        });
        expect(err.message).toContain(intent);
      }),
      { numRuns: RUNS },
    );
    expect(await allMessages(r.agents[0]!.client, r.ref)).toHaveLength(before);
  });
});

describe("intent parts and DIDs", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("refuses a second intent part in one message, naming it", async () => {
    const { agents, ref } = await room(t);
    const err = await rejects(
      agents[0]!.client.call("messages/send", {
        ...ref,
        parts: [
          { type: "intent", intent: "ping", payload: {} },
          { type: "text", text: "and" },
          { type: "intent", intent: "ping", payload: {} },
        ],
      }),
      "InvalidParams",
    );
    expect(err.data).toEqual({
      issues: [{ path: ["parts", 2], message: expect.stringMatching(/at most one intent/) }],
    });
  });

  it("refuses an intent part without a payload, naming the missing payload", async () => {
    const { agents, ref } = await room(t);
    const err = await rejects(
      agents[0]!.client.call("messages/send", { ...ref, parts: [{ type: "intent", intent: "ping" }] } as never),
      "InvalidParams",
    );
    expect(err.data).toEqual({ issues: [{ path: ["parts", 0, "payload"], message: "is missing" }] });
  });

  it("refuses an unknown intent name at parts[i].intent, with one issue", async () => {
    const { agents, ref } = await room(t);
    const err = await rejects(
      agents[0]!.client.call("messages/send", {
        ...ref,
        parts: [{ type: "intent", intent: "wave", payload: {} }],
      } as never),
      "InvalidParams",
    );
    expect(err.data).toEqual({ issues: [{ path: ["parts", 0, "intent"], message: expect.stringMatching(/"ping"/) }] });
  });

  it("answers AgentNotFound with the DIDs as given when a well-formed DID names no agent", async () => {
    const { agents, ref } = await room(t);
    const [alice, bob] = agents;
    const ghost = "did:switchboard:agt_ghost0000000000";
    const err = await rejects(
      sendIntent(alice!.client, ref, "connection_request", {
        method: "intro",
        context: "Carol said we should talk",
        profileSnapshot: profile,
        introducedBy: ghost,
      }),
      "AgentNotFound",
    );
    expect(err.data).toEqual({ agentIds: [ghost] });

    const other = "did:switchboard:agt_other";
    const sync = await rejects(
      sendIntent(alice!.client, ref, "multi_party_sync", {
        enclaveType: "meeting_sync",
        purpose: "Plan the offsite",
        participants: [alice!.did, ghost, bob!.did, other, ghost],
        expiresAt: "2030-01-01T00:00:00Z",
      }),
      "AgentNotFound",
    );
    expect(sync.data).toEqual({ agentIds: [ghost, other] });
    expect(await allMessages(alice!.client, ref)).toEqual([]);
  });

  it("accepts DIDs of existing agents, inside or outside the conversation", async () => {
    const { agents, ref } = await room(t);
    const outsider = await t.agent();
    await sendIntent(agents[0]!.client, ref, "intro_request", {
      target: outsider.record.did,
      reason: "Their team runs the scheduler",
      urgency: "low",
    });
  });

  it("refuses a malformed DID as InvalidParams at its path", async () => {
    const { agents, ref } = await room(t);
    const err = await rejects(
      sendIntent(agents[0]!.client, ref, "intro_request", {
        target: agents[1]!.id,
        reason: "A bare agent id is not a DID",
        urgency: "normal",
      }),
      "InvalidParams",
    );
    expect(err.data).toEqual({
      issues: [{ path: ["parts", 0, "payload", "target"], message: expect.stringMatching(/did:switchboard/) }],
    });
  });
});
