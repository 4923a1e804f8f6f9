import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionDeclaration } from "../../protocol/index.ts";
import { confirmationIdOf } from "../../client/actions.ts";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { connectedAgent, connectedApp, connectedUser, dataOf, grant } from "./helpers.ts";

const PLAY: ActionDeclaration = {
  id: "play",
  type: "action",
  name: "Play",
  description: "Start playback of a media item",
  permissions: { user: "allowed", agent: "allowed" },
  side_effects: "local",
  schema: {
    input: {
      type: "object",
      properties: { item_id: { type: "string", minLength: 1 }, start_position: { type: "number", minimum: 0 } },
      required: ["item_id"],
    },
    output: {
      type: "object",
      properties: { status: { enum: ["playing", "buffering"] }, item_id: { type: "string" } },
      required: ["status"],
    },
  },
};

const QUEUE: ActionDeclaration = {
  ...PLAY,
  id: "add_to_queue",
  name: "Add to queue",
  permissions: { user: "allowed", agent: "confirmation_required" },
};

const STATUS: ActionDeclaration = {
  ...PLAY,
  id: "status",
  name: "Status",
  side_effects: "none",
  schema: { input: { type: "object" }, output: { type: "object" } },
};

/** A media app that declares actions and serves them, counting the runs. */
const mediaApp = async (t: TestHub) => {
  const app = await connectedApp(t, { capabilities: [] });
  await app.actions.declare([PLAY, QUEUE, STATUS]);
  const calls: Array<{
    action: string;
    params: Record<string, unknown>;
    invoker: unknown;
    actorUserId?: string;
    context?: unknown;
  }> = [];
  app.client.handle("action/execute", (p) => {
    calls.push({
      action: p.action,
      params: p.params,
      invoker: p.invoker,
      ...(p.actorUserId !== undefined ? { actorUserId: p.actorUserId } : {}),
      ...(p.context !== undefined ? { context: p.context } : {}),
    });
    return { status: "playing", item_id: p.params.item_id };
  });
  return { app, calls, id: (local: string) => `${app.name}.${local}` };
};

describe("app-served actions through action/execute (7.7)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ callbackTimeoutMs: 300 });
  });
  afterAll(() => t.stop());

  it("calls the declaring app with the namespaced id, the params, the invoker and the acting user", async () => {
    const media = await mediaApp(t);
    const user = await connectedUser(t);
    const result = await user.actions.invoke(
      media.id("play"),
      { item_id: "video-123" },
      { context: { pane_id: "p-1" } },
    );
    expect(result).toEqual({ status: "playing", item_id: "video-123" });
    expect(media.calls).toEqual([
      {
        action: media.id("play"),
        params: { item_id: "video-123" },
        invoker: { type: "user", id: user.id },
        actorUserId: user.id,
        context: { pane_id: "p-1" },
      },
    ]);
    const agent = await connectedAgent(t, user.id);
    await agent.actions.invoke(media.id("play"), { item_id: "v" });
    expect(media.calls[1]).toMatchObject({ invoker: { type: "agent", id: agent.id }, actorUserId: user.id });
  });

  it("checks params against the declared input schema, strictly, before calling the app", async () => {
    const media = await mediaApp(t);
    const user = await connectedUser(t);
    const missing = await rejects(user.actions.invoke(media.id("play"), {}), "InvalidParams");
    expect(dataOf(missing).issues).toContainEqual(expect.objectContaining({ path: ["params", "item_id"] }));
    const extra = await rejects(user.actions.invoke(media.id("play"), { item_id: "v", volume: 11 }), "InvalidParams");
    expect(dataOf(extra).issues).toContainEqual(expect.objectContaining({ path: ["params", "volume"] }));
    await rejects(user.actions.invoke(media.id("play"), { item_id: "v", start_position: -1 }), "InvalidParams");
    expect(media.calls).toEqual([]);
  });

  it("an app invokes another app's action with the capability <appName>.<id> and a user grant of it", async () => {
    const media = await mediaApp(t);
    const user = await connectedUser(t);
    const remote = await connectedApp(t, { capabilities: [media.id("play")] });
    await rejects(
      remote.actions.invoke(media.id("play"), { item_id: "v" }, { actorUserId: user.id }),
      "NoDelegatedGrant",
    );
    await grant(remote, user, [media.id("play")]);
    const result = await remote.actions.invoke(media.id("play"), { item_id: "v" }, { actorUserId: user.id });
    expect(result).toEqual({ status: "playing", item_id: "v" });
    expect(media.calls[0]!.invoker).toEqual({ type: "app", id: remote.id });
    const other = await connectedApp(t, { capabilities: [] });
    await rejects(
      other.actions.invoke(media.id("play"), { item_id: "v" }, { actorUserId: user.id }),
      "CapabilityMissing",
    );
  });

  it("an ownerless agent may call actions without side effects, with no acting user", async () => {
    const media = await mediaApp(t);
    const agent = await connectedAgent(t);
    expect(await agent.actions.invoke(media.id("status"), {})).toEqual({ status: "playing" });
    expect(media.calls[0]!.actorUserId).toBeUndefined();
    const e = await rejects(agent.actions.invoke(media.id("play"), { item_id: "v" }), "ActionForbidden");
    expect(dataOf(e).reason).toBe("agent_has_no_owner");
  });

  it("ActionUnavailable app_unreachable when the app has no socket; nothing is kept for the idempotency key", async () => {
    const app = await connectedApp(t, { capabilities: [] });
    await app.actions.declare([PLAY]);
    await app.client.close();
    const user = await connectedUser(t);
    const e = await rejects(
      user.actions.invoke(`${app.name}.play`, { item_id: "v" }, { idempotencyKey: "offline" }),
      "ActionUnavailable",
    );
    expect(dataOf(e).reason).toBe("app_unreachable");
    // Back online, the same key runs the action.
    const again = await t.connect(app.token);
    again.handle("action/execute", () => ({ status: "buffering" }));
    expect(await user.actions.invoke(`${app.name}.play`, { item_id: "v" }, { idempotencyKey: "offline" })).toEqual({
      status: "buffering",
    });
  });

  it("ActionUnavailable timeout when the app does not answer in time", async () => {
    const app = await connectedApp(t, { capabilities: [] });
    await app.actions.declare([PLAY]);
    app.client.handle("action/execute", () => new Promise(() => undefined));
    const user = await connectedUser(t);
    const e = await rejects(user.actions.invoke(`${app.name}.play`, { item_id: "v" }), "ActionUnavailable");
    expect(dataOf(e).reason).toBe("timeout");
  });

  it("ActionUnavailable when the app answers an error or a result outside its output schema", async () => {
    const app = await connectedApp(t, { capabilities: [] });
    await app.actions.declare([PLAY]);
    const user = await connectedUser(t);
    app.client.handle("action/execute", () => {
      throw new Error("item not found");
    });
    const e1 = await rejects(user.actions.invoke(`${app.name}.play`, { item_id: "v" }), "ActionUnavailable");
    expect(dataOf(e1).reason).toBe("app_error");
    app.client.handle("action/execute", () => ({ status: "exploded" }));
    const e2 = await rejects(user.actions.invoke(`${app.name}.play`, { item_id: "v" }), "ActionUnavailable");
    expect(dataOf(e2).reason).toBe("invalid_output");
    // Output schemas are plain JSON Schema: extra fields pass unless additionalProperties says otherwise.
    app.client.handle("action/execute", () => ({ status: "playing", at: 0 }));
    expect(await user.actions.invoke(`${app.name}.play`, { item_id: "v" })).toEqual({ status: "playing", at: 0 });
  });

  it("idempotent repeats do not call the app twice", async () => {
    const media = await mediaApp(t);
    const user = await connectedUser(t);
    const first = await user.actions.invoke(media.id("play"), { item_id: "v" }, { idempotencyKey: "once" });
    const second = await user.actions.invoke(media.id("play"), { item_id: "v" }, { idempotencyKey: "once" });
    expect(second).toEqual(first);
    expect(media.calls).toHaveLength(1);
  });

  it("confirmation_required for agents: the app runs only after the owner approves, once", async () => {
    const media = await mediaApp(t);
    const owner = await connectedUser(t);
    const agent = await connectedAgent(t, owner.id);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke(media.id("add_to_queue"), { item_id: "v" }), "ConfirmationRequired"),
    )!;
    expect(media.calls).toEqual([]);
    await owner.actions.confirm(confirmationId, true);
    await agent.actions.invoke(media.id("add_to_queue"), { item_id: "v" }, { confirmationId });
    await rejects(
      agent.actions.invoke(media.id("add_to_queue"), { item_id: "v" }, { confirmationId }),
      "ConfirmationRequired",
    );
    expect(media.calls).toHaveLength(1);
  });

  it("a confirmation spent on an app that was not connected still stands", async () => {
    const app = await connectedApp(t, { capabilities: [] });
    await app.actions.declare([QUEUE]);
    await app.client.close();
    const owner = await connectedUser(t);
    const agent = await connectedAgent(t, owner.id);
    const id = `${app.name}.add_to_queue`;
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke(id, { item_id: "v" }), "ConfirmationRequired"),
    )!;
    await owner.actions.confirm(confirmationId, true);
    await rejects(agent.actions.invoke(id, { item_id: "v" }, { confirmationId }), "ActionUnavailable");
    const again = await t.connect(app.token);
    again.handle("action/execute", () => ({ status: "playing" }));
    expect(await agent.actions.invoke(id, { item_id: "v" }, { confirmationId })).toEqual({ status: "playing" });
  });

  it("the client's serve() routes action/execute to handlers by local id", async () => {
    const app = await connectedApp(t, { capabilities: [] });
    await app.actions.declare([PLAY, STATUS]);
    app.actions.serve({
      play: (params, call) => ({ status: "playing", item_id: `${String(params.item_id)} for ${call.actorUserId}` }),
    });
    const user = await connectedUser(t);
    expect(await user.actions.invoke(`${app.name}.play`, { item_id: "x" })).toEqual({
      status: "playing",
      item_id: `x for ${user.id}`,
    });
    // An action without a handler answers an error, which the invoker sees as ActionUnavailable.
    await rejects(user.actions.invoke(`${app.name}.status`, {}), "ActionUnavailable");
  });
});
