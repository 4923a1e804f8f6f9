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
    hub.commit((tx) => {
      const task = ownedTask(storage, p.taskId, appId, raise);
      requireActive(task.task.status, raise);
      const participants = [...new Set(p.participants)];
      requireAgents(storage, participants, raise);
      requireAdmitted(storage, task.pk, participants, raise);
      requireRoom(participants.length, cap(), raise);
      return { conversation: openConversation(storage, tx, task, appId, p.name, participants, nowIso()) };
    });

  /** The one implementation behind app/conversation/update and its task/conversation/* aliases. */
  const update = (
    taskId: TaskId,
    conversationId: ConversationId,
    action: ConversationAction,
    appId: string,
    raise: UpdateErrors,
  ) =>
    hub.commit((tx) => {
      const task = ownedTask(storage, taskId, appId, raise);
      const rec = taskConversation(storage, taskId, conversationId, raise);
      requireActive(task.task.status, raise);
      apply(tx, rec.pk, action, task.pk, raise);
      return { conversation: storage.conversations.byPk(rec.pk).conversation };
    });

  const apply = (tx: Tx, pk: number, action: ConversationAction, taskPk: number, raise: UpdateErrors): void => {
    const at = nowIso();
    const { conversation } = storage.conversations.byPk(pk);
    const ref = { taskId: conversation.taskId, conversationId: conversation.id };
    switch (action.type) {
      case "archive":
        if (conversation.archivedAt !== undefined) return;
        storage.conversations.setArchived(pk, at, at);
        tx.emit(Notifications.ConversationArchived, storage.conversations.participants(pk), { ...ref, archivedAt: at });
        return;
      case "unarchive":
        if (conversation.archivedAt === undefined) return;
        storage.conversations.setArchived(pk, null, at);
        tx.emit(Notifications.ConversationUnarchived, storage.conversations.participants(pk), ref);
        return;
      case "add-participant": {
        requireAgents(storage, [action.agentId], raise);
        requireAdmitted(storage, taskPk, [action.agentId], raise);
        if (storage.conversations.isParticipant(pk, action.agentId)) return;
        requireRoom(storage.conversations.count(pk) + 1, cap(), raise);
        storage.conversations.join(pk, [action.agentId], at);
        storage.conversations.touch(pk, at);
        tx.emit(Notifications.ConversationParticipantsAdded, storage.conversations.participants(pk), {
          ...ref,
          agentIds: [action.agentId],
        });
        return;
      }
      case "remove-participant":
        removeFromConversation(storage, tx, pk, action.agentId, "app_remove", at);
        return;
    }
  };

  const listPage = <I>(rows: ConversationListEntry[], limit: number, item: (e: ConversationListEntry) => I) =>
    toPage(rows, limit, item, (e) => [e.record.conversation.updatedAt, e.record.pk]);
  const after = (raise: Raise<"InvalidParams">, cursor: string | undefined) =>
    cursor === undefined ? undefined : readCursor(raise, cursor, ["string", "number"]);

  return [
    implement(Methods.AppConversationCreate, (p, { principal, raise }) => create(p, principal.id, raise)),
    implement(Methods.TaskConversationCreate, (p, { principal, raise }) => create(p, principal.id, raise)),
    implement(Methods.AppConversationUpdate, (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, p.action, principal.id, raise),
    ),
    implement(Methods.TaskConversationArchive, (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "archive" }, principal.id, raise),
    ),
    implement(Methods.TaskConversationUnarchive, (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "unarchive" }, principal.id, raise),
    ),
    implement(Methods.TaskConversationParticipantsAdd, (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "add-participant", agentId: p.agentId }, principal.id, raise),
    ),
    implement(Methods.TaskConversationParticipantsRemove, (p, { principal, raise }) =>
      update(p.taskId, p.conversationId, { type: "remove-participant", agentId: p.agentId }, principal.id, raise),
    ),

    implement(Methods.TaskConversationList, (p, { principal, raise }) => {
      const task = ownedTask(storage, p.taskId, principal.id, raise);
      const limit = p.limit ?? DEFAULT_LIMIT;
      const rows = storage.conversations.listForTask(task.pk, after(raise, p.cursor), limit + 1);
      return listPage(rows, limit, (e) => ({
        taskId: e.record.taskId,
        conversation: e.record.conversation,
        participants: e.participants,
      }));
    }),

    implement(Methods.AgentConversationList, (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      const rows = storage.conversations.listForAgent(principal.id, after(raise, p.cursor), limit + 1);
      return listPage(rows, limit, (e) => ({
        taskId: e.record.taskId,
        conversation: e.record.conversation,
        participants: e.participants,
        unreadCount: e.unreadCount,
      }));
    }),

    implement(Methods.AgentConversationRead, (p, { principal, raise }) =>
      hub.commit(() => {
        const rec = memberConversation(storage, undefined, p.conversationId, principal.id, raise);
        storage.conversations.markRead(rec.pk, principal.id, p.seq);
        return {};
      }),
    ),
  ];
};
