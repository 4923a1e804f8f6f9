import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejects } from "../helpers/expect.ts";
import { TestHub } from "../helpers/hub.ts";
import { connectedAgent, connectedApp, connectedUser, countRows, dataOf, grant, methodsIn } from "./helpers.ts";
import { confirmationIdOf } from "../../client/actions.ts";

/** An owner, a friend and the owner's agent with an intent ready to send a request for. */
const scene = async (t: TestHub) => {
  const owner = await connectedUser(t);
  const friend = await connectedUser(t);
  const agent = await connectedAgent(t, owner.id);
  const { intentId } = await agent.actions.invoke("intent.create", { text: `plan ${Math.random()}` });
  return { owner, friend, agent, intentId, params: { intentId, recipientUserId: friend.id } };
};

const sentRequests = async (t: TestHub, intentId: string) =>
  await countRows(t, "coordination_requests", "intent_pk = (SELECT pk FROM user_intents WHERE id = ?)", intentId);

describe("confirmation_required (7.2 step 6)", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start();
  });
  afterAll(() => t.stop());

  it("the acting user approves, and the invoker's repeat with the confirmationId runs once", async () => {
    const { owner, friend, agent, intentId, params } = await scene(t);
    const asked = owner.client.once("action/confirmation-requested");
    const err = await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired");
    const confirmationId = confirmationIdOf(err)!;
    expect(confirmationId).toMatch(/^cfm_/);
    expect((await asked).confirmationId).toBe(confirmationId);
    expect(await sentRequests(t, intentId)).toBe(0);

    await owner.actions.confirm(confirmationId, true);
    const result = await agent.actions.invoke("request.send", params, { confirmationId });
    expect(result).toMatchObject({ action: "request.send", actorUserId: owner.id, status: "pending" });
    expect(await sentRequests(t, intentId)).toBe(1);
    const sent = (await methodsIn(friend.client)).filter((m) => m === "request.sent");
    expect(sent).toEqual(["request.sent"]);

    // Good once: the same id again asks for a new confirmation and runs nothing.
    const again = await rejects(
      agent.actions.invoke("request.send", params, { confirmationId }),
      "ConfirmationRequired",
    );
    expect(confirmationIdOf(again)).not.toBe(confirmationId);
    expect(await sentRequests(t, intentId)).toBe(1);
  });

  it("is bound to the params: other params ask anew and leave the first unused", async () => {
    const { owner, agent, intentId, params } = await scene(t);
    const other = await connectedUser(t);
    const first = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    await owner.actions.confirm(first, true);
    const changed = { intentId, recipientUserId: other.id };
    const second = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", changed, { confirmationId: first }), "ConfirmationRequired"),
    )!;
    expect(second).not.toBe(first);
    expect(await sentRequests(t, intentId)).toBe(0);
    // The first is still good for its own params.
    await agent.actions.invoke("request.send", params, { confirmationId: first });
    expect(await sentRequests(t, intentId)).toBe(1);
  });

  it("is bound to the action and the invoker", async () => {
    const { owner, agent, intentId, params } = await scene(t);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    await owner.actions.confirm(confirmationId, true);
    const sibling = await connectedAgent(t, owner.id);
    const e = await rejects(sibling.actions.invoke("request.send", params, { confirmationId }), "ConfirmationRequired");
    expect(confirmationIdOf(e)).not.toBe(confirmationId);
    expect(await sentRequests(t, intentId)).toBe(0);
  });

  it("while unanswered, repeating answers the same confirmationId and does not ask the user again", async () => {
    const { owner, agent, params } = await scene(t);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    const again = await rejects(
      agent.actions.invoke("request.send", params, { confirmationId }),
      "ConfirmationRequired",
    );
    expect(confirmationIdOf(again)).toBe(confirmationId);
    expect((await methodsIn(owner.client)).filter((m) => m === "action/confirmation-requested")).toHaveLength(1);
  });

  it("a rejected confirmation is Forbidden confirmation_rejected and runs nothing", async () => {
    const { owner, agent, intentId, params } = await scene(t);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    await owner.actions.confirm(confirmationId, false);
    const e = await rejects(agent.actions.invoke("request.send", params, { confirmationId }), "Forbidden");
    expect(dataOf(e).reason).toBe("confirmation_rejected");
    expect(await sentRequests(t, intentId)).toBe(0);
  });

  it("only the acting user answers, once: not_owner, not_pending, NotFound", async () => {
    const { owner, friend, agent, params } = await scene(t);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    const e1 = await rejects(friend.actions.confirm(confirmationId, true), "Forbidden");
    expect(dataOf(e1).reason).toBe("not_owner");
    await owner.actions.confirm(confirmationId, true);
    const e2 = await rejects(owner.actions.confirm(confirmationId, true), "Conflict");
    expect(dataOf(e2).reason).toBe("not_pending");
    await rejects(owner.actions.confirm("cfm_nope", true), "NotFound");
    await rejects(agent.client.call("actions/confirm", { confirmationId, approve: true }), "MethodNotFound");
  });

  it("an approved confirmation past its expiry no longer runs the action", async () => {
    const { owner, agent, intentId, params } = await scene(t);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    await owner.actions.confirm(confirmationId, true);
    // Move the stored expiry into the past instead of waiting 10 minutes.
    await t.exec("UPDATE confirmations SET expires_at_ms = ? WHERE id = ?", Date.now() - 1, confirmationId);
    const e = await rejects(agent.actions.invoke("request.send", params, { confirmationId }), "ConfirmationRequired");
    expect(confirmationIdOf(e)).not.toBe(confirmationId);
    expect(await sentRequests(t, intentId)).toBe(0);
  });

  it("stores an expiry of --confirmation-ttl (10 minutes by default) and tells the user when", async () => {
    const { owner, agent, params } = await scene(t);
    const asked = owner.client.once("action/confirmation-requested");
    const before = Date.now();
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    const [row] = await t.query<{ e: number }>(
      "SELECT expires_at_ms AS e FROM confirmations WHERE id = ?",
      confirmationId,
    );
    expect(row!.e).toBeGreaterThanOrEqual(before + 10 * 60 * 1000);
    expect(row!.e).toBeLessThanOrEqual(Date.now() + 10 * 60 * 1000);
    expect(Date.parse((await asked).expiresAt)).toBe(row!.e);
  });

  it("applies to users and apps through the user permission of app-declared actions", async () => {
    const user = await connectedUser(t);
    const server = await connectedApp(t, { capabilities: [] });
    await server.actions.declare([
      {
        id: "delete-all",
        type: "action",
        name: "Delete all",
        description: "Irreversible.",
        permissions: { user: "confirmation_required", agent: "forbidden" },
        side_effects: "destructive",
        schema: { input: { type: "object" }, output: { type: "object" } },
      },
    ]);
    let runs = 0;
    server.actions.serve({ "delete-all": () => ({ deleted: ++runs }) });
    const id = `${server.name}.delete-all`;
    const confirmationId = confirmationIdOf(await rejects(user.actions.invoke(id, {}), "ConfirmationRequired"))!;
    await user.actions.confirm(confirmationId, true);
    expect(await user.actions.invoke(id, {}, { confirmationId })).toEqual({ deleted: 1 });

    const app = await connectedApp(t, { capabilities: [id] });
    await grant(app, user, [id]);
    const forApp = confirmationIdOf(
      await rejects(app.actions.invoke(id, {}, { actorUserId: user.id }), "ConfirmationRequired"),
    )!;
    await user.actions.confirm(forApp, true);
    expect(await app.actions.invoke(id, {}, { actorUserId: user.id, confirmationId: forApp })).toEqual({ deleted: 2 });
  });
});

describe("confirmation expiry with --confirmation-ttl 0", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start({ confirmationTtl: 0 });
  });
  afterAll(() => t.stop());

  it("answering an expired confirmation is Conflict expired", async () => {
    const { owner, agent, params } = await scene(t);
    const confirmationId = confirmationIdOf(
      await rejects(agent.actions.invoke("request.send", params), "ConfirmationRequired"),
    )!;
    const e = await rejects(owner.actions.confirm(confirmationId, true), "Conflict");
    expect(dataOf(e).reason).toBe("expired");
  });
});
