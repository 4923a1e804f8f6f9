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
export const openSeed = (file: string): Storage => {
  const storage = openStorage(file);
  storage.db.transaction(() => storage.apps.ensureDefault(nowIso())).immediate();
  return storage;
};

/** Flush the WAL into the main file so that the hub starts on a small WAL, then close. */
export const closeSeed = (storage: Storage): void => {
  storage.db.pragma("wal_checkpoint(TRUNCATE)");
  storage.close();
};

const inChunks = (storage: Storage, total: number, chunk: number, fn: (i: number) => void): void => {
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    storage.db
      .transaction(() => {
        for (let i = start; i < end; i++) fn(i);
      })
      .immediate();
  }
};

/** Agents named `<prefix>-<i>` with their tokens (admin/agent/create). */
export const seedAgents = (storage: Storage, count: number, prefix: string): SeededAgent[] => {
  const out: SeededAgent[] = [];
  inChunks(storage, count, 5000, (i) => {
    const agent = storage.agents.insert({ id: newId("agent"), name: `${prefix}-${i}`, createdAt: nowIso() });
    out.push({ id: agent.id, token: issueToken(storage, "agent", agent.id) });
  });
  return out;
};

/**
 * A task on the default app initiated by the first member, accepted, with an
 * initial conversation holding every member: what task/request
 * `{invitedAgentIds, initialConversation: {}}` writes, in its two commits.
 */
export const seedConversation = (storage: Storage, members: ReadonlyArray<SeededAgent>): SeededConversation => {
  const ids = members.map((m) => m.id as AgentId);
  const initiator = ids[0]!;
  const waiting = storage.db
    .transaction(() => {
      const at = nowIso();
      const rec = storage.tasks.insert({
        id: newId("task"),
        appId: DEFAULT_APP_ID,
        initiatorAgentId: initiator,
        createdAt: at,
      });
      for (const id of ids) storage.tasks.admit(rec.pk, id, at);
      return rec;
    })
    .immediate();
  return storage.db
    .transaction(() => {
      const at = nowIso();
      const rec = storage.tasks.setStatus(waiting.pk, "active", { startedAt: at });
      const participants = storage.tasks.participants(rec.pk);
      const recipients = participants.map((x) => x.agentId);
      storage.events.append(
        Notifications.TaskCreated.name,
        JSON.stringify({ task: rec.task, participants }),
        recipients,
        Date.now(),
      );
      const pk = storage.conversations.insert({
        id: newId("conversation"),
        taskPk: rec.pk,
        createdBy: initiator,
        createdAt: at,
      });
      storage.conversations.join(pk, ids, at);
      const conversation: Conversation = storage.conversations.byPk(pk).conversation;
      storage.events.append(
        Notifications.ConversationCreated.name,
        JSON.stringify({ taskId: rec.task.id, conversation, participants: ids }),
        ids,
        Date.now(),
      );
      return { taskId: rec.task.id, conversationId: conversation.id, pk, participants: ids };
    })
    .immediate();
};

/**
 * `count` messages sent by `senderId` into the conversation, each with its
 * seq and its message/received event for the other participants, as
 * messages/send writes them. Returns the cursor of each recipient's last event.
 */
export const seedMessages = (
  storage: Storage,
  conv: SeededConversation,
  senderId: string,
  count: number,
  text: (i: number) => string,
  onProgress?: (done: number) => void,
): Map<string, number> => {
  const to = conv.participants.filter((a) => a !== senderId);
  const last = new Map<string, number>();
  inChunks(storage, count, 50_000, (i) => {
    const createdAt = nowIso();
    const parts: Part[] = [{ type: "text", text: text(i) }];
    const id = newId("message") as MessageId;
    const seq = storage.conversations.nextSeq(conv.pk, createdAt);
    storage.messages.insert({
      id,
      conversationPk: conv.pk,
      seq,
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
    const cursors = storage.events.append(
      Notifications.MessageReceived.name,
      JSON.stringify({ taskId: message.taskId, conversationId: message.conversationId, message }),
      to,
      Date.now(),
    );
    for (let r = 0; r < to.length; r++) last.set(to[r]!, cursors[r]!);
    if (onProgress && (i + 1) % 50_000 === 0) onProgress(i + 1);
  });
  return last;
};
