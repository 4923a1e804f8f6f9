import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestHub } from "../helpers/hub.ts";
import { rejects } from "../helpers/expect.ts";
import type { Frame, RawSocket } from "../helpers/raw.ts";
import {
  dataOf,
  eventLog,
  loggedMethods,
  openTask,
  rawAuthed,
  say,
  text,
  type Connected,
  type OpenTask,
} from "../helpers/scenario.ts";
import type { AppManifest } from "../../protocol/index.ts";

/**
 * Section 5.6 and fine print 10.6 and 10.18: the hub's calls to the owning
 * app. The app here is a raw socket, so that every answer (good, malformed,
 * an error, none at all) is exactly what goes on the wire.
 */

// Short enough to keep the timeout tests quick, long enough for an immediate answer on a busy machine.
const CALLBACK_TIMEOUT_MS = 1000;

/** An app on a raw socket; `next` takes the oldest callback of a method not taken yet. */
const rawApp = async (t: TestHub, manifest: AppManifest = {}) => {
  const app = await t.app({ manifest });
  const { raw } = await rawAuthed(t, app.token);
  const taken = new Set<unknown>();
  const next = async (method: string): Promise<Frame> => {
    const frame = (await raw.next((f) => !Array.isArray(f) && f.method === method && !taken.has(f.id))) as Frame;
    taken.add(frame.id);
    return frame;
  };
  const answer = (frame: Frame, body: Record<string, unknown>) => raw.send({ jsonrpc: "2.0", id: frame.id, ...body });
  return { id: app.id, token: app.token, raw, next, answer };
};
type RawApp = Awaited<ReturnType<typeof rawApp>>;

describe("section 5.6: task/create", () => {
  let t: TestHub;
  let alice: Connected;
  let bob: Connected;
  let app: RawApp;
  beforeAll(async () => {
    t = await TestHub.start({ callbackTimeoutMs: CALLBACK_TIMEOUT_MS });
    [alice, bob] = await Promise.all([t.connectedAgent(), t.connectedAgent()]);
    app = await rawApp(t);
  });
  afterAll(() => t.stop());

  /** Request a task on the raw app and answer its task/create with `body`; resolves to the call's outcome. */
  const requestAnswered = async (body: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => {
    const call = alice.client.call("task/request", { appId: app.id, invitedAgentIds: [bob.id], ...extra });
    const frame = await app.next("task/create");
    if (body) app.answer(frame, body);
    const outcome = await call.then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return { frame, outcome, call };
  };

  it("asks the app with task/create {task, invitedAgentIds, initialConversation} and a cb-<n> id; accept activates the task", async () => {
    const created = bob.client.once("task/created");
    const { frame, call } = await requestAnswered(
      { result: { verdict: "accept" } },
      { title: "plan the offsite", initialConversation: { name: "general" } },
    );
    expect(frame.id).toMatch(/^cb-\d+$/);
    expect(frame.jsonrpc).toBe("2.0");
    expect(frame.params).toEqual({
      task: expect.objectContaining({
        id: expect.stringMatching(/^tsk_/),
        appId: app.id,
        initiatorAgentId: alice.id,
        title: "plan the offsite",
        status: "waiting",
      }),
      invitedAgentIds: [bob.id],
      initialConversation: { name: "general" },
    });
    const { task, conversation } = await call;
    expect(task.status).toBe("active");
    expect(task.startedAt).toBeDefined();
    expect(conversation).toMatchObject({ taskId: task.id, name: "general", createdBy: alice.id });
    expect((await created).task.id).toBe(task.id);
  });

  it("omits initialConversation from the callback when the request has none, and answers conversation null", async () => {
    const { frame, call } = await requestAnswered({ result: { verdict: "accept" } });
    expect(frame.params).not.toHaveProperty("initialConversation");
    expect((await call).conversation).toBeNull();
  });

  const expectRejected = async (
    outcome: Awaited<ReturnType<typeof requestAnswered>>["outcome"],
    reason: string,
    taskId: string,
  ) => {
    expect(outcome.ok).toBe(false);
    const err = await rejects(Promise.reject((outcome as { error: unknown }).error), "TaskRejected");
    expect(dataOf(err).reason).toBe(reason);
    expect(err.message).toContain(reason);
    // task/failed, with the same reason, to the initiator only (10.18).
    const failed = (await eventLog(alice.client)).filter(
      (e) => e.method === "task/failed" && e.params.taskId === taskId,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.params).toEqual({ cursor: failed[0]!.cursor, taskId, reason });
    expect((await eventLog(bob.client)).filter((e) => e.params.taskId === taskId)).toEqual([]);
    const { task } = await alice.client.call("task/get", { taskId });
    expect(task).toMatchObject({ status: "failed", failureReason: reason });
    expect(task.endedAt).toBeDefined();
  };

  it("reject with a reason fails the task with that reason (TaskRejected, task/failed)", async () => {
    const { frame, outcome } = await requestAnswered({ result: { verdict: "reject", reason: "busy this week" } });
    await expectRejected(outcome, "busy this week", (frame.params!.task as { id: string }).id);
  });

  it("reject without a reason fails it with the reason rejected", async () => {
    const { frame, outcome } = await requestAnswered({ result: { verdict: "reject" } });
    await expectRejected(outcome, "rejected", (frame.params!.task as { id: string }).id);
  });

  it("no answer within --callback-timeout-ms fails it with timeout; a late answer changes nothing", async () => {
    const { frame, outcome } = await requestAnswered(undefined);
    const taskId = (frame.params!.task as { id: string }).id;
    await expectRejected(outcome, "timeout", taskId);
    app.answer(frame, { result: { verdict: "accept" } });
    // The socket is still served after the stray answer, and the task stays failed.
    expect((await app.raw.request("system/ping", {})).result).toBeDefined();
    expect((await alice.client.call("task/get", { taskId })).task.status).toBe("failed");
  });

  it("malformed verdicts fail it with invalid_verdict", async () => {
    for (const result of [
      { verdict: "maybe" },
      { verdict: "accept", because: "extra field" },
      { verdict: "reject", reason: 42 },
      "accept",
      null,
    ]) {
      const { frame, outcome } = await requestAnswered({ result });
      await expectRejected(outcome, "invalid_verdict", (frame.params!.task as { id: string }).id);
    }
  });

  it("a JSON-RPC error answer fails it with invalid_verdict (10.18)", async () => {
    const { frame, outcome } = await requestAnswered({
      error: { code: -32000, message: "nope", data: { tag: "Unauthorized", reason: "whatever" } },
    });
    await expectRejected(outcome, "invalid_verdict", (frame.params!.task as { id: string }).id);
  });

  it("an app with no connected socket fails it with app_unreachable, without waiting", async () => {
    const offline = await t.app();
    const err = await rejects(
      alice.client.call("task/request", { appId: offline.id, invitedAgentIds: [bob.id] }),
      "TaskRejected",
    );
    expect(dataOf(err).reason).toBe("app_unreachable");
    const failed = (await eventLog(alice.client)).filter(
      (e) => e.method === "task/failed" && e.params.reason === "app_unreachable",
    );
    expect(failed).toHaveLength(1);
  });

  it("an app that disconnects before answering fails it with app_unreachable", async () => {
    const leaving = await rawApp(t);
    const call = alice.client.call("task/request", { appId: leaving.id, invitedAgentIds: [bob.id] });
    await leaving.next("task/create");
    await leaving.raw.close();
    const err = await rejects(call, "TaskRejected");
    expect(dataOf(err).reason).toBe("app_unreachable");
  });

  it("app_default accepts every task without a callback", async () => {
    const { task } = await alice.client.call("task/request", { invitedAgentIds: [bob.id] });
    expect(task).toMatchObject({ appId: "app_default", status: "active" });
  });
});

describe("section 5.6: message/authorize", () => {
  let t: TestHub;
  let alice: Connected;
  let bob: Connected;
  let carol: Connected;
  let bystander: Connected;
  let app: RawApp;
  let where: OpenTask;

  beforeAll(async () => {
    t = await TestHub.start({ callbackTimeoutMs: CALLBACK_TIMEOUT_MS });
    [alice, bob, carol, bystander] = await Promise.all([
      t.connectedAgent(),
      t.connectedAgent(),
      t.connectedAgent(),
      t.connectedAgent(),
    ]);
    app = await rawApp(t, { hooks: { messageAuthorize: true } });
    const call = openTask(alice, [bob, carol], { appId: app.id });
    app.answer(await app.next("task/create"), { result: { verdict: "accept" } });
    where = await call;
  });
  afterAll(() => t.stop());

  /** Send a message and answer its message/authorize with `body` (or not at all). */
  const sendAnswered = async (s: string, body: Record<string, unknown> | undefined) => {
    const call = say(alice, where, s);
    const frame = await app.next("message/authorize");
    if (body) app.answer(frame, body);
    const outcome = await call.then(
      (message) => ({ ok: true as const, message }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return { frame, outcome };
  };

  const receivedTexts = async (who: Connected) =>
    (await eventLog(who.client))
      .filter((e) => e.method === "message/received")
      .map((e) => (e.params.message as { parts: Array<{ text: string }> }).parts[0]!.text);

  const listedTexts = async () =>
    (
      await alice.client.call("messages/list", { taskId: where.task.id, conversationId: where.conversation.id })
    ).items.map((m) => (m.parts[0] as { text: string }).text);

  it("asks the app with {taskId, conversationId, message}; forward delivers to every other participant", async () => {
    const { frame, outcome } = await sendAnswered("to everyone", { result: { decision: "forward" } });
    expect(frame.id).toMatch(/^cb-\d+$/);
    expect(outcome.ok).toBe(true);
    const message = (outcome as { message: { id: string; seq: number } }).message;
    expect(frame.params).toEqual({
      taskId: where.task.id,
      conversationId: where.conversation.id,
      message: {
        id: message.id,
        taskId: where.task.id,
        conversationId: where.conversation.id,
        senderId: alice.id,
        parts: text("to everyone"),
        createdAt: expect.any(String),
      },
    });
    expect(message.seq).toBe(1);
    expect(await receivedTexts(bob)).toContain("to everyone");
    expect(await receivedTexts(carol)).toContain("to everyone");
    expect(await receivedTexts(alice)).not.toContain("to everyone");
  });

  it("forward with recipients delivers to those only; the message is stored for everyone to list", async () => {
    const { outcome } = await sendAnswered("for bob only", {
      result: { decision: "forward", recipients: [bob.id, bystander.id] },
    });
    expect(outcome.ok).toBe(true);
    expect(await receivedTexts(bob)).toContain("for bob only");
    expect(await receivedTexts(carol)).not.toContain("for bob only");
    // Naming a non-participant does not make it a recipient.
    expect(await loggedMethods(bystander.client)).toEqual([]);
    expect(await listedTexts()).toContain("for bob only");
  });

  const expectBlocked = async (outcome: { ok: boolean; error?: unknown }, reason: string, s: string) => {
    expect(outcome.ok).toBe(false);
    const err = await rejects(Promise.reject(outcome.error), "HookBlocked");
    expect(dataOf(err).reason).toBe(reason);
    // Nothing stored, nobody told.
    expect(await listedTexts()).not.toContain(s);
    expect(await receivedTexts(bob)).not.toContain(s);
  };

  it("block with a reason fails HookBlocked with it; nothing is stored and seq is not consumed", async () => {
    const { outcome } = await sendAnswered("rude words", { result: { decision: "block", reason: "language" } });
    await expectBlocked(outcome, "language", "rude words");
    const before = await alice.client.call("messages/list", {
      taskId: where.task.id,
      conversationId: where.conversation.id,
    });
    const next = await sendAnswered("polite words", { result: { decision: "forward" } });
    expect((next.outcome as { message: { seq: number } }).message.seq).toBe(before.items.at(-1)!.seq + 1);
  });

  it("block without a reason fails HookBlocked with reason blocked", async () => {
    const { outcome } = await sendAnswered("meh", { result: { decision: "block" } });
    await expectBlocked(outcome, "blocked", "meh");
  });

  it("no answer in time blocks (timeout)", async () => {
    const { outcome } = await sendAnswered("slow app", undefined);
    await expectBlocked(outcome, "timeout", "slow app");
  });

  it("malformed answers and error answers block", async () => {
    for (const body of [
      { result: { decision: "maybe" } },
      { result: { decision: "forward", recipients: "everyone" } },
      { result: { decision: "forward", extra: true } },
      { error: { code: -32603, message: "crashed", data: { tag: "Internal" } } },
    ]) {
      const s = `malformed ${JSON.stringify(body)}`;
      const { outcome } = await sendAnswered(s, body);
      await expectBlocked(outcome, "invalid_decision", s);
    }
  });

  it("an app that disconnects mid-callback blocks (app_unreachable), and so does an app with no socket", async () => {
    const call = say(alice, where, "mid-flight");
    await app.next("message/authorize");
    await app.raw.close();
    const err = await rejects(call, "HookBlocked");
    expect(dataOf(err).reason).toBe("app_unreachable");
    const again = await rejects(say(alice, where, "nobody home"), "HookBlocked");
    expect(dataOf(again).reason).toBe("app_unreachable");
    // The app comes back and messages flow again.
    const { raw } = await rawAuthed(t, app.token);
    app.raw = raw;
    const sent = say(alice, where, "welcome back");
    const frame = (await raw.next((f) => !Array.isArray(f) && f.method === "message/authorize")) as Frame;
    raw.send({ jsonrpc: "2.0", id: frame.id, result: { decision: "forward" } });
    expect((await sent).parts).toEqual(text("welcome back"));
  });

  it("is not asked of an app whose manifest has no hook: messages flow even with the app offline", async () => {
    const plain = await rawApp(t);
    const call = openTask(alice, [bob], { appId: plain.id });
    plain.answer(await plain.next("task/create"), { result: { verdict: "accept" } });
    const plainTask = await call;
    await plain.raw.close();
    const message = await say(alice, plainTask, "no hook here");
    expect(message.seq).toBe(1);
    expect(plain.raw.notifications("message/authorize")).toEqual([]);
  });
});
