import { expect } from "vitest";
import type { SwitchboardClient } from "../../client/index.ts";
import type { Agent, AppManifest, Conversation, RpcError, Task } from "../../protocol/index.ts";
import type { Made, TestHub } from "./hub.ts";
import type { RawSocket } from "./raw.ts";

/**
 * Building blocks shared by the core suites: principals wired to a hub, a
 * task with its first conversation, and reading a principal's event log to
 * show deterministically what it did (and did not) receive.
 */

export type Connected<T = Agent> = Made<T> & { readonly client: SwitchboardClient };

/** An app, connected, that accepts every task and (when hooked) forwards every message. */
export const acceptingApp = async (t: TestHub, params: { manifest?: AppManifest } = {}) => {
  const app = await t.connectedApp(params);
  app.client.handle("task/create", () => ({ verdict: "accept" }));
  app.client.handle("message/authorize", () => ({ decision: "forward" }));
  return app;
};

export interface OpenTask {
  readonly task: Task;
  readonly conversation: Conversation;
}

/** A task on `appId` (app_default when omitted) opened by `initiator` with `invitees`, with its first conversation. */
export const openTask = async (
  initiator: { readonly client: SwitchboardClient },
  invitees: ReadonlyArray<{ readonly id: string }>,
  options: { appId?: string; name?: string; participants?: ReadonlyArray<{ readonly id: string }> } = {},
): Promise<OpenTask> => {
  const { task, conversation } = await initiator.client.call("task/request", {
    ...(options.appId !== undefined ? { appId: options.appId } : {}),
    invitedAgentIds: invitees.map((a) => a.id),
    initialConversation: {
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.participants ? { participants: options.participants.map((a) => a.id) } : {}),
    },
  });
  expect(task.status).toBe("active");
  expect(conversation).not.toBeNull();
  return { task, conversation: conversation! };
};

export const text = (s: string) => [{ type: "text" as const, text: s }];

/** Send a text message. */
export const say = (from: { readonly client: SwitchboardClient }, where: OpenTask, s: string) =>
  from.client
    .call("messages/send", { taskId: where.task.id, conversationId: where.conversation.id, parts: text(s) })
    .then((r) => r.message);

export interface LoggedItem {
  readonly cursor: string;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** The principal's whole retained event log, read with events/replay from "0". */
export const eventLog = async (client: SwitchboardClient, after = "0"): Promise<LoggedItem[]> => {
  const items: LoggedItem[] = [];
  let cursor = after;
  for (;;) {
    const page = await client.call("events/replay", { after: cursor, limit: 1000 });
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    cursor = page.nextCursor;
  }
};

/** The methods of the principal's event log, in order. */
export const loggedMethods = async (client: SwitchboardClient): Promise<string[]> =>
  (await eventLog(client)).map((i) => i.method);

/** `data` of an error, loosely typed, for assertions. */
export const dataOf = (err: RpcError): Record<string, any> => err.data as Record<string, any>;

/** A raw socket authenticated with `token` (auth/connect), with the result frame. */
export const rawAuthed = async (t: TestHub, token: string, params: Record<string, unknown> = {}) => {
  const raw: RawSocket = await t.raw();
  const hello = await raw.request("auth/connect", { token, ...params });
  expect(hello.error).toBeUndefined();
  return { raw, hello: hello.result as { cursor: string; connectionId: string } };
};

/** Wait until `predicate` holds, polling the event loop; for states only observable by polling (never timing). */
export const until = async (predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** The close code of the client's next close or disconnect. */
export const nextClose = (client: SwitchboardClient): Promise<number> =>
  new Promise((resolve) => {
    const off = client.onConnection((e) => {
      if (e.type === "closed" || e.type === "disconnected") {
        off();
        resolve(e.code);
      }
    });
  });

/** POST /rpc with an optional bearer token; answers the status and the parsed body (undefined when empty). */
export const postRpc = async (
  t: TestHub,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: any; headers: Headers }> => {
  const res = await fetch(`${t.url}/rpc`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const raw = await res.text();
  return { status: res.status, body: raw === "" ? undefined : JSON.parse(raw), headers: res.headers };
};
