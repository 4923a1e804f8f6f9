import {
  Methods,
  Notifications,
  type AgentId,
  type ConversationAction,
  type ConversationId,
  type Raise,
  type TaskId,
} from "../../protocol/index.ts";
import { nowIso, type ConversationListEntry } from "../../storage/index.ts";
import type { Tx } from "../committer.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import {
  memberConversation,
  openConversation,
  ownedTask,
  removeFromConversation,
  requireActive,
  requireAdmitted,
  requireAgents,
  requireRoom,
  taskConversation,
} from "./access.ts";
import { DEFAULT_LIMIT, readCursor, toPage } from "./paging.ts";

type UpdateErrors = Raise<
  | "Forbidden"
  | "TaskNotFound"
  | "TaskClosed"
  | "AgentNotFound"
  | "ParticipantNotAdmitted"
  | "ConversationFull"
  | "ConversationNotFound"
>;

export const conversationHandlers = (hub: HubContext) => {
  const { storage } = hub;
  const cap = () => hub.config.maxParticipants;

  const create = (
    p: { taskId: TaskId; name?: string | undefined; participants: ReadonlyArray<AgentId> },
    appId: string,
    raise: Raise<
      "Forbidden" | "TaskNotFound" | "TaskClosed" | "AgentNotFound" | "ParticipantNotAdmitted" | "ConversationFull"
    >,
  ) =>
    hub.commit(async (tx) => {
      const task = await ownedTask(storage, p.taskId, appId, raise);
      requireActive(task.task.status, raise);
      const participants = [...new Set(p.participants)];
      await requireAgents(storage, participants, raise);
      await requireAdmitted(storage, task.pk, participants, raise);
      requireRoom(participants.length, cap(), raise);
      return { conversation: await openConversation(storage, tx, task, appId, p.name, participants, nowIso()) };
    });

  /** The one implementation behind app/conversation/update and its task/conversation/* aliases. */
  const update = (
    taskId: TaskId,
    conversationId: ConversationId,
    action: ConversationAction,
    appId: string,
    raise: UpdateErrors,
  ) =>
    hub.commit(async (tx) => {
      const task = await ownedTask(storage, taskId, appId, raise);
      const rec = await taskConversation(storage, taskId, conversationId, raise);
      requireActive(task.task.status, raise);
      await apply(tx, rec.pk, action, task.pk, raise);
      return { conversation: (await storage.conversations.byPk(rec.pk)).conversation };
    });

  const apply = async (
    tx: Tx,
    pk: number,
    action: ConversationAction,
    taskPk: number,
    raise: UpdateErrors,
  ): Promise<void> => {
    const at = nowIso();
    const { conversation } = await storage.conversations.byPk(pk);
    const ref = { taskId: conversation.taskId, conversationId: conversation.id };
    switch (action.type) {
      case "archive":
        if (conversation.archivedAt !== undefined) return;
        await storage.conversations.setArchived(pk, at, at);
        tx.emit(Notifications.ConversationArchived, await storage.conversations.participants(pk), {
          ...ref,
          archivedAt: at,
        });
        return;
      case "unarchive":
        if (conversation.archivedAt === undefined) return;
        await storage.conversations.setArchived(pk, null, at);
        tx.emit(Notifications.ConversationUnarchived, await storage.conversations.participants(pk), ref);
        return;
      case "add-participant": {
        await requireAgents(storage, [action.agentId], raise);
        await requireAdmitted(storage, taskPk, [action.agentId], raise);
        if (await storage.conversations.isParticipant(pk, action.agentId)) return;
        requireRoom((await storage.conversations.count(pk)) + 1, cap(), raise);
        await storage.conversations.join(pk, [action.agentId], at);
        await storage.conversations.touch(pk, at);
        tx.emit(Notifications.ConversationParticipantsAdded, await storage.conversations.participants(pk), {
          ...ref,
          agentIds: [action.agentId],
        });
        return;
      }
      case "remove-participant":
        await removeFromConversation(storage, tx, pk, action.agentId, "app_remove", at);
        return;
    }
  };

  const listPage = <I>(rows: ConversationListEntry[], limit: number, item: (e: ConversationListEntry) => I) =>
    toPage(rows, limit, item, (e) => [e.record.conversation.updatedAt, e.record.pk]);
  const after = (raise: Raise<"InvalidParams">, cursor: string | undefined) =>
    cursor === undefined ? undefined : readCursor(raise, cursor, ["string", "number"]);

  return [
    implement(Methods.AppConversationCreate, async (p, { principal, raise }) => create(p, principal.id, raise)),
    implement(Methods.TaskConversationCreate, async (p, { principal, raise }) => create(p, principal.id, raise)),
    implement(Methods.AppConversationUpdate, async (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, p.action, principal.id, raise),
    ),
    implement(Methods.TaskConversationArchive, async (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "archive" }, principal.id, raise),
    ),
    implement(Methods.TaskConversationUnarchive, async (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "unarchive" }, principal.id, raise),
    ),
    implement(Methods.TaskConversationParticipantsAdd, async (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "add-participant", agentId: p.agentId }, principal.id, raise),
    ),
    implement(Methods.TaskConversationParticipantsRemove, async (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "remove-participant", agentId: p.agentId }, principal.id, raise),
    ),

    implement(Methods.TaskConversationList, async (p, { principal, raise }) => {
      const task = await ownedTask(storage, p.taskId, principal.id, raise);
      const limit = p.limit ?? DEFAULT_LIMIT;
      const rows = await storage.conversations.listForTask(task.pk, after(raise, p.cursor), limit + 1);
      return listPage(rows, limit, (e) => ({
        taskId: e.record.taskId,
        conversation: e.record.conversation,
        participants: e.participants,
      }));
    }),

    implement(Methods.AgentConversationList, async (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const rows = await storage.conversations.listForAgent(principal.id, after(raise, p.cursor), limit + 1);
      return listPage(rows, limit, (e) => ({
        taskId: e.record.taskId,
        conversation: e.record.conversation,
        participants: e.participants,
        unreadCount: e.unreadCount,
      }));
    }),

    implement(Methods.AgentConversationRead, async (p, { principal, raise }) =>
      hub.commit(async () => {
        const rec = await memberConversation(storage, undefined, p.conversationId, principal.id, raise);
        await storage.conversations.markRead(rec.pk, principal.id, p.seq);
        return {};
      }),
    ),
  ];
};
