import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { TestHub } from "../helpers/hub.ts";
import { a2aSchema } from "./proto-schema.ts";
import { exposure, request, sdkClient, setUp, userMessage, type A2aSetup } from "./lib.ts";

/** The served cards (and what the hub sends) against the A2A 1.0 schema, derived from the normative a2a.proto. */

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validCard = ajv.compile(a2aSchema("AgentCard"));
const validTask = ajv.compile(a2aSchema("Task"));

const errorsOf = (v: { errors?: unknown }) => JSON.stringify(v.errors, null, 2);

describe("A2A agent cards conform to the A2A 1.0 schema", () => {
  let t: TestHub;
  let s: A2aSetup;
  beforeAll(async () => {
    t = await TestHub.start();
    s = await setUp(t);
  });
  afterAll(() => t.stop());

  it("the schema derived from a2a.proto refuses what is not a card (it can fail)", () => {
    expect(validCard({ name: "x" })).toBe(false);
    expect(validCard({ ...exposure("x"), unknownField: 1 })).toBe(false);
  });

  it("an exposed agent's card validates, and is served with caching headers", async () => {
    const res = await fetch(`${t.url}/a2a/${s.agent.record.name}/.well-known/agent-card.json`);
    expect(res.status).toBe(200);
    const card = (await res.json()) as Record<string, unknown>;
    expect(validCard(card), errorsOf(validCard)).toBe(true);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const etag = res.headers.get("etag")!;
    const again = await fetch(`${t.url}/a2a/${s.agent.record.name}/.well-known/agent-card.json`, {
      headers: { "if-none-match": etag },
    });
    expect(again.status).toBe(304);
    expect(card).toMatchObject({
      version: "2.1.0",
      capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: false },
      securitySchemes: { switchboard: { httpAuthSecurityScheme: { scheme: "Bearer" } } },
    });
  });

  it("the hub's own card lists every exposed agent as a tenant of one endpoint, and validates", async () => {
    const other = await t.connectedAgent();
    await other.client.call("a2a/expose", { card: exposure(other.record.name) });
    const res = await fetch(`${t.url}/.well-known/agent-card.json`);
    const card = (await res.json()) as {
      supportedInterfaces: Array<{ tenant: string; url: string }>;
      skills: Array<{ id: string }>;
    };
    expect(validCard(card), errorsOf(validCard)).toBe(true);
    expect(card.supportedInterfaces.map((i) => i.tenant).sort()).toEqual(
      [s.agent.record.name, other.record.name].sort(),
    );
    expect(new Set(card.supportedInterfaces.map((i) => i.url))).toEqual(new Set([`${t.url}/a2a`]));
    expect(card.skills.map((k) => k.id)).toContain(`${other.record.name}/answer`);

    // The official client, given only the hub's URL, reaches an agent through the tenant of the interface it
    // picks (@a2a-js/sdk 1.3.0 keeps the last 1.0 interface of a binding, not the first).
    const client = await sdkClient(t.url, s.token);
    const sent = await client.sendMessage({
      ...request(userMessage("through the tenant")),
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        historyLength: undefined,
        returnImmediately: true,
      },
    });
    const reached = (sent as { metadata?: Record<string, unknown> }).metadata?.agentId;
    expect([s.agent.id, other.id]).toContain(reached);
    const reachedAgent = reached === s.agent.id ? s.agent : other;
    const sbTask = await reachedAgent.client.call("task/get", { taskId: (sent as { id: string }).id as never });
    expect(sbTask.participants.map((p) => p.agentId)).toContain(reached);

    await other.client.call("a2a/unexpose", {});
    const after = (await (await fetch(`${t.url}/.well-known/agent-card.json`)).json()) as typeof card;
    expect(after.supportedInterfaces.map((i) => i.tenant)).toEqual([s.agent.record.name]);
    expect((await fetch(`${t.url}/a2a/${other.record.name}/.well-known/agent-card.json`)).status).toBe(404);
  });

  it("a Task the hub answers with validates as well", async () => {
    s.agent.client.on(
      "message/received",
      ({ message }) =>
        void s.agent.client.call("messages/send", {
          taskId: message.taskId,
          conversationId: message.conversationId,
          parts: [
            { type: "text", text: "ok" },
            { type: "data", data: { n: 1 }, mimeType: "application/json" },
          ],
        }),
    );
    const res = await fetch(`${t.url}/a2a/${s.agent.record.name}`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.token}`, "a2a-version": "1.0", "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "SendMessage",
        params: {
          message: {
            messageId: "m-1",
            role: "ROLE_USER",
            parts: [{ text: "hi" }, { url: "https://example.com/a.pdf", mediaType: "application/pdf" }],
          },
        },
      }),
    });
    const body = (await res.json()) as { result: { task: unknown } };
    expect(validTask(body.result.task), errorsOf(validTask)).toBe(true);
    expect(body.result.task).toMatchObject({
      status: { state: "TASK_STATE_INPUT_REQUIRED" },
      history: [
        {
          role: "ROLE_USER",
          parts: [
            { text: "hi" },
            { url: "https://example.com/a.pdf", filename: "a.pdf", mediaType: "application/pdf" },
          ],
        },
        { role: "ROLE_AGENT", parts: [{ text: "ok" }, { data: { n: 1 }, mediaType: "application/json" }] },
      ],
    });
  });
});
