import {
  Notifications,
  type AgentId,
  type Conversation,
  type Message,
  type MessageId,
  type Part,
} from "../protocol/index.ts";
import { DEFAULT_APP_ID, newId, nowIso, openStorage, type Storage } from "../storage/index.ts";
import { issueToken } from "../server/tokens.ts";

/**
 * Seeding a benchmark database before the hub starts, through the storage
 * modules: creating 10,000 agents or a million messages through the socket
 * would take longer than the measurement. Each function writes the rows the
 * hub's own handlers write for the same operation (admin/agent/create,
 * task/request with an initial conversation, messages/send), events included,
 * in big transactions.
 */

export interface SeededAgent {
  readonly id: string;
  readonly token: string;
}

export interface SeededConversation {
  readonly taskId: string;
  readonly conversationId: string;
  readonly pk: number;
  readonly participants: ReadonlyArray<string>;
}

/** Open a fresh database with the hub's migrations and the default app (as the hub does at start). */
export const openSeed = async (target: string): Promise<Storage> => {
  const storage = await openStorage(target);
  await inTransaction(storage, () => storage.apps.ensureDefault(nowIso()));
  return storage;
};

/** Flush the WAL into the main file so that the hub starts on a small WAL, then close. */
export const closeSeed = async (storage: Storage): Promise<void> => {
  storage.db?.pragma("wal_checkpoint(TRUNCATE)");
  await storage.close();
};

/** Run `fn` in one transaction of the storage; its error, if any, is thrown. */
const inTransaction = async <T>(storage: Storage, fn: () => Promise<T>): Promise<T> => {
  const [outcome] = await storage.transactions.runAll([fn]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.value as T;
};

const inChunks = async (
  storage: Storage,
  total: number,
  chunk: number,
  fn: (i: number) => Promise<void>,
): Promise<void> => {
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    await inTransaction(storage, async () => {
      for (let i = start; i < end; i++) await fn(i);
    });
  }
};

/** Agents named `<prefix>-<i>` with their tokens (admin/agent/create). */
export const seedAgents = async (storage: Storage, count: number, prefix: string): Promise<SeededAgent[]> => {
  const out: SeededAgent[] = [];
  await inChunks(storage, count, 5000, async (i) => {
    const agent = await storage.agents.insert({ id: newId("agent"), name: `${prefix}-${i}`, createdAt: nowIso() });
    out.push({ id: agent.id, token: await issueToken(storage, "agent", agent.id) });
  });
  return out;
};

/**
 * A task on the default app initiated by the first member, accepted, with an
 * initial conversation holding every member: what task/request
 * `{invitedAgentIds, initialConversation: {}}` writes, in its two commits.
 */
export const seedConversation = async (
  storage: Storage,
  members: ReadonlyArray<SeededAgent>,
): Promise<SeededConversation> => {
  const ids = members.map((m) => m.id as AgentId);
  const initiator = ids[0]!;
  const waiting = await inTransaction(storage, async () => {
    const at = nowIso();
    const rec = await storage.tasks.insert({
      id: newId("task"),
      appId: DEFAULT_APP_ID,
      initiatorAgentId: initiator,
      createdAt: at,
    });
    for (const id of ids) await storage.tasks.admit(rec.pk, id, at);
    return rec;
  });
  return inTransaction(storage, async () => {
    const at = nowIso();
    const rec = await storage.tasks.setStatus(waiting.pk, "active", { startedAt: at });
    const participants = await storage.tasks.participants(rec.pk);
    const recipients = participants.map((x) => x.agentId);
    await storage.events.append(
      Notifications.TaskCreated.name,
      JSON.stringify({ task: rec.task, participants }),
      recipients,
      Date.now(),
    );
    const pk = await storage.conversations.insert({
      id: newId("conversation"),
      taskPk: rec.pk,
      createdBy: initiator,
      createdAt: at,
    });
    await storage.conversations.join(pk, ids, at);
    const conversation: Conversation = (await storage.conversations.byPk(pk)).conversation;
    await storage.events.append(
      Notifications.ConversationCreated.name,
      JSON.stringify({ taskId: rec.task.id, conversation, participants: ids }),
      ids,
      Date.now(),
    );
    return { taskId: rec.task.id, conversationId: conversation.id, pk, participants: ids };
  });
};

/**
 * `count` messages sent by `senderId` into the conversation, each with its
 * seq and its message/received event for the other participants, as
 * messages/send writes them. Returns the cursor of each recipient's last event.
 */
export const seedMessages = async (
  storage: Storage,
  conv: SeededConversation,
  senderId: string,
  count: number,
  text: (i: number) => string,
  onProgress?: (done: number) => void,
): Promise<Map<string, number>> => {
  const to = conv.participants.filter((a) => a !== senderId);
  const last = new Map<string, number>();
  await inChunks(storage, count, 50_000, async (i) => {
    const createdAt = nowIso();
    const parts: Part[] = [{ type: "text", text: text(i) }];
    const id = newId("message") as MessageId;
    const seq = await storage.messages.append({
      id,
      conversationPk: conv.pk,
      senderId,
      partsJson: JSON.stringify(parts),
      createdAt,
    });
    const message: Message = {
      id,
      taskId: conv.taskId as Message["taskId"],
      conversationId: conv.conversationId as Message["conversationId"],
      seq,
      senderId,
      parts,
      createdAt,
    };
    const cursors = await storage.events.append(
      Notifications.MessageReceived.name,
      JSON.stringify({ taskId: message.taskId, conversationId: message.conversationId, message }),
      to,
      Date.now(),
    );
    if (cursors) for (let r = 0; r < to.length; r++) last.set(to[r]!, cursors[r]!);
    if (onProgress && (i + 1) % 50_000 === 0) onProgress(i + 1);
  });
  return last;
};
