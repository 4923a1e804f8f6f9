import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionDeclaration } from "../../protocol/index.ts";
import { rejects } from "../helpers/expect.ts";
import { TestHub, uniqueName } from "../helpers/hub.ts";
import { connectedAgent, connectedApp, connectedUser, dataOf } from "./helpers.ts";

const declaration = (over: Partial<ActionDeclaration> & { id: string }): ActionDeclaration =>
  ({
    type: "action",
    name: over.id,
    description: `The ${over.id} action.`,
    permissions: { user: "allowed", agent: "allowed" },
    side_effects: "local",
    schema: {
      input: { type: "object", properties: { itemId: { type: "string" } }, required: ["itemId"] },
      output: { type: "object", properties: { ok: { type: "boolean" } } },
    },
    ...over,
  }) as ActionDeclaration;

const BUILTINS = [
  ["intent.create", "intent.write", "local"],
  ["intent.update", "intent.write", "local"],
  ["intent.cancel", "intent.write", "local"],
  ["request.send", "request.write", "external"],
  ["request.accept", "request.write", "external"],
  ["request.reject", "request.write", "external"],
  ["connection.create", "connection.write", "external"],
  ["chat.create", "chat.write", "local"],
  ["chat.send_message", "chat.write", "external"],
  ["circle.create", "circle.write", "local"],
  ["circle.join", "circle.write", "local"],
  ["circle.leave", "circle.write", "local"],
] as const;

describe("the action catalog (7.1, 7.4)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("lists the twelve built-in actions with their capability, side effects, permissions and JSON Schemas", async () => {
    const user = await connectedUser(t);
    const actions = await user.actions.list();
    for (const [id, capability, sideEffects] of BUILTINS) {
      const entry = actions.find((a) => a.id === id);
      expect(entry, id).toBeDefined();
      expect(entry!.type).toBe("action");
      expect(entry!.capability).toBe(capability);
      expect(entry!.side_effects).toBe(sideEffects);
      expect(entry!.permissions).toEqual({
        user: "allowed",
        agent: sideEffects === "local" ? "allowed" : "confirmation_required",
      });
      expect(entry!.schema.input.type).toBe("object");
      expect(entry!.schema.output.type).toBe("object");
      expect(entry!.standard).toBe(false);
    }
    const create = actions.find((a) => a.id === "intent.create")!;
    expect(create.schema.input).toMatchObject({
      required: ["text"],
      additionalProperties: false,
      properties: { text: { type: "string", minLength: 1, maxLength: 2000 } },
    });
    expect((create.schema.output.required as string[]).sort()).toEqual(
      ["action", "actorUserId", "intentId", "status", "unchanged"].sort(),
    );
  });

  it("namespaces an app's declared actions as <appName>.<id> and marks the standard ids", async () => {
    const app = await connectedApp(t);
    const entries = await app.actions.declare([declaration({ id: "play" }), declaration({ id: "shuffle" })]);
    expect(entries.map((e) => [e.id, e.standard, e.capability, e.appId])).toEqual([
      [`${app.name}.play`, true, `${app.name}.play`, app.id],
      [`${app.name}.shuffle`, false, `${app.name}.shuffle`, app.id],
    ]);
    const user = await connectedUser(t);
    const ids = (await user.actions.list()).map((a) => a.id);
    expect(ids).toContain(`${app.name}.play`);
    expect(ids).toContain(`${app.name}.shuffle`);
  });

  it("replaces the declarations on every app/manifest/update", async () => {
    const app = await connectedApp(t);
    await app.actions.declare([declaration({ id: "one" })]);
    await app.actions.declare([declaration({ id: "two" })]);
    const ids = (await app.actions.list()).map((a) => a.id);
    expect(ids).toContain(`${app.name}.two`);
    expect(ids).not.toContain(`${app.name}.one`);
  });

  it("accepts declarations in the manifest of admin/app/create", async () => {
    const made = await t.app({ manifest: { actions: [declaration({ id: "refresh" })] } });
    const user = await connectedUser(t);
    const entry = (await user.actions.list()).find((a) => a.id === `${made.record.name}.refresh`);
    expect(entry?.standard).toBe(true);
  });

  it("rejects a destructive action that agents may run without confirmation", async () => {
    const app = await connectedApp(t);
    const err = await rejects(
      app.actions.declare([
        declaration({ id: "wipe", side_effects: "destructive", permissions: { user: "allowed", agent: "allowed" } }),
      ]),
      "InvalidParams",
    );
    expect(dataOf(err).issues).toContainEqual(
      expect.objectContaining({ path: ["actions", 0, "permissions", "agent"] }),
    );
    const admin = await t.admin();
    await rejects(
      admin.call("admin/app/create", {
        name: uniqueName("app"),
        manifest: {
          actions: [
            declaration({
              id: "wipe",
              side_effects: "destructive",
              permissions: { user: "allowed", agent: "allowed" },
            }),
          ],
        },
      }),
      "InvalidParams",
    );
    for (const agent of ["forbidden", "confirmation_required"] as const) {
      await app.actions.declare([
        declaration({ id: "wipe", side_effects: "destructive", permissions: { user: "allowed", agent } }),
      ]);
    }
  });

  it("rejects declarations the hub could not enforce or that contradict themselves", async () => {
    const app = await connectedApp(t);
    const unknownKeyword = await rejects(
      app.actions.declare([
        declaration({
          id: "x",
          schema: { input: { type: "object", if: { type: "object" } }, output: {} },
        }),
      ]),
      "InvalidParams",
    );
    expect(dataOf(unknownKeyword).issues).toContainEqual(
      expect.objectContaining({ path: ["actions", 0, "schema", "input", "if"] }),
    );
    await rejects(
      app.actions.declare([declaration({ id: "x", schema: { input: { type: "string" }, output: {} } })]),
      "InvalidParams",
    );
    await rejects(
      app.actions.declare([declaration({ id: "x", metadata: { agent_only: true, agent_visible: false } })]),
      "InvalidParams",
    );
    await rejects(app.actions.declare([declaration({ id: "x" }), declaration({ id: "x" })]), "InvalidParams");
    await rejects(app.actions.declare([declaration({ id: "bad id" })]), "InvalidParams");
    await rejects(app.actions.declare([{ ...declaration({ id: "x" }), endpoint: "/x" } as never]), "InvalidParams");
  });

  it("refuses declarations from an app named like a built-in family", async () => {
    const admin = await t.admin();
    const { token } = await admin.call("admin/app/create", { name: "circle" });
    const app = await t.connect(token);
    const err = await rejects(app.call("app/manifest/update", { actions: [declaration({ id: "join" })] }), "Conflict");
    expect(dataOf(err).reason).toBe("reserved_namespace");
    await rejects(
      admin.call("admin/app/create", { name: "chat", manifest: { actions: [declaration({ id: "x" })] } }),
      "Conflict",
    );
  });

  it("hides agent_visible: false from agents and agent_only from everyone else", async () => {
    const app = await connectedApp(t);
    await app.actions.declare([
      declaration({ id: "hidden", metadata: { agent_visible: false } }),
      declaration({ id: "robots", metadata: { agent_only: true } }),
    ]);
    const user = await connectedUser(t);
    const agent = await connectedAgent(t, user.id);
    const forAgent = (await agent.actions.list()).map((a) => a.id);
    const forUser = (await user.actions.list()).map((a) => a.id);
    const forApp = (await app.actions.list()).map((a) => a.id);
    expect(forAgent).not.toContain(`${app.name}.hidden`);
    expect(forAgent).toContain(`${app.name}.robots`);
    expect(forUser).toContain(`${app.name}.hidden`);
    expect(forUser).not.toContain(`${app.name}.robots`);
    expect(forApp).not.toContain(`${app.name}.robots`);
    // Invisible is unknown: ActionNotFound, before anything else is looked at.
    await rejects(agent.actions.invoke(`${app.name}.hidden`, { itemId: "a" }), "ActionNotFound");
    await rejects(user.actions.invoke(`${app.name}.robots`, { itemId: "a" }), "ActionNotFound");
  });

  it("lists every method, notification and callback of section 7 in rpc.discover", async () => {
    const raw = await t.raw();
    const doc = (await raw.request("rpc.discover")).result;
    const methods = (doc.methods as Array<{ name: string; params: unknown; result: unknown; errors: unknown }>).map(
      (m) => m.name,
    );
    for (const name of [
      "actions/list",
      "actions/invoke",
      "actions/confirm",
      "actions/batch",
      "consent/request",
      "consent/list",
      "consent/approve",
      "consent/reject",
      "grants/list",
      "grants/revoke",
      "admin/grant/create",
      "auth/diagnose",
      "events/subscribe",
      "app/manifest/update",
    ]) {
      expect(methods, name).toContain(name);
    }
    const notifications = (doc["x-notifications"] as Array<{ name: string; params: unknown }>).map((n) => n.name);
    for (const name of [
      "consent/requested",
      "consent/approved",
      "consent/rejected",
      "grant/revoked",
      "action/confirmation-requested",
      ...BUILTINS.map(([id]) => id),
    ]) {
      const event = name.includes("/")
        ? name
        : {
            "intent.create": "intent.created",
            "intent.update": "intent.updated",
            "intent.cancel": "intent.cancelled",
            "request.send": "request.sent",
            "request.accept": "request.accepted",
            "request.reject": "request.rejected",
            "connection.create": "connection.created",
            "chat.create": "chat.created",
            "chat.send_message": "chat.message.sent",
            "circle.create": "circle.created",
            "circle.join": "circle.joined",
            "circle.leave": "circle.left",
          }[name]!;
      expect(notifications, event).toContain(event);
    }
    const callbacks = (doc["x-callbacks"] as Array<{ name: string; result: unknown }>).map((c) => c.name);
    expect(callbacks).toContain("action/execute");
    const invoke = (doc.methods as Array<{ name: string; errors: Array<{ data: { tag: string } }> }>).find(
      (m) => m.name === "actions/invoke",
    )!;
    expect(invoke.errors.map((e) => e.data.tag)).toEqual(
      expect.arrayContaining(["ActionNotFound", "ConfirmationRequired", "IdempotencyConflict", "ActionUnavailable"]),
    );
  });
});
