import { Notifications, type AgentId, type Conversation, type Raise } from "../../protocol/index.ts";
import { newId, type ConversationRecord, type Storage, type TaskRecord } from "../../storage/index.ts";
import type { Tx } from "../committer.ts";

/**
 * The authority and state checks shared by the task, conversation and
 * message handlers, in the order of section 10.2: who may act, then whether
 * the resource exists, then its state.
 */

/** A task the agent currently participates in; anyone else learns nothing (TaskNotFound). */
export const participantTask = async (
  storage: Storage,
  taskId: string,
  agentId: string,
  raise: Raise<"TaskNotFound">,
): Promise<TaskRecord> => {
  const rec = await storage.tasks.get(taskId);
  if (!rec || (await storage.tasks.membership(rec.pk, agentId)) !== "current") return raise("TaskNotFound");
  return rec;
};

/** A task owned by the calling app: TaskNotFound when there is none, Forbidden when another app owns it. */
export const ownedTask = async (
  storage: Storage,
  taskId: string,
  appId: string,
  raise: Raise<"TaskNotFound" | "Forbidden">,
): Promise<TaskRecord> => {
  const rec = (await storage.tasks.get(taskId)) ?? raise("TaskNotFound");
  if (rec.task.appId !== appId)
    return raise("Forbidden", { reason: "not_owner" }, "Only the app that owns this task may do that.");
  return rec;
};

/** Closed and failed tasks accept no changes. */
export const requireOpen = (rec: TaskRecord, raise: Raise<"TaskClosed">): void => {
  if (rec.task.status === "closed" || rec.task.status === "failed") raise("TaskClosed");
};

export const requireActive = (status: TaskRecord["task"]["status"], raise: Raise<"TaskClosed">): void => {
  if (status !== "active") {
    raise("TaskClosed", {}, status === "waiting" ? "The task is still waiting for its app's verdict." : undefined);
  }
};

/** A conversation of the given task. */
export const taskConversation = async (
  storage: Storage,
  taskId: string,
  conversationId: string,
  raise: Raise<"ConversationNotFound">,
): Promise<ConversationRecord> => {
  const rec = await storage.conversations.get(conversationId);
  if (!rec || rec.taskId !== taskId) return raise("ConversationNotFound");
  return rec;
};

/** A conversation the agent is in; for anyone else it might as well not exist (NotAParticipant). */
export const memberConversation = async (
  storage: Storage,
  taskId: string | undefined,
  conversationId: string,
  agentId: string,
  raise: Raise<"NotAParticipant">,
): Promise<ConversationRecord> => {
  const rec = await storage.conversations.get(conversationId);
  if (
    !rec ||
    (taskId !== undefined && rec.taskId !== taskId) ||
    !(await storage.conversations.isParticipant(rec.pk, agentId))
  ) {
    return raise("NotAParticipant");
  }
  return rec;
};

/** Agents that exist, else AgentNotFound naming the others. */
export const requireAgents = async (
  storage: Storage,
  agentIds: ReadonlyArray<string>,
  raise: Raise<"AgentNotFound">,
): Promise<void> => {
  const missing = await storage.agents.missing(agentIds);
  if (missing.length > 0) raise("AgentNotFound", { agentIds: missing });
};

/** Agents admitted to the task, else ParticipantNotAdmitted naming the others. */
export const requireAdmitted = async (
  storage: Storage,
  taskPk: number,
  agentIds: ReadonlyArray<string>,
  raise: Raise<"ParticipantNotAdmitted">,
): Promise<void> => {
  const outside = await storage.tasks.notAdmitted(taskPk, agentIds);
  if (outside.length > 0) raise("ParticipantNotAdmitted", { agentIds: outside });
};

export const requireRoom = (count: number, cap: number, raise: Raise<"ConversationFull">): void => {
  if (count > cap) raise("ConversationFull", {}, `A conversation holds at most ${cap} participants.`);
};

/** Take an agent out of a conversation and tell those who were in it. */
export const removeFromConversation = async (
  storage: Storage,
  tx: Tx,
  conversationPk: number,
  agentId: AgentId,
  reason: "task_leave" | "app_remove",
  at: string,
): Promise<void> => {
  const before = await storage.conversations.participants(conversationPk);
  if (!(await storage.conversations.part(conversationPk, agentId))) return;
  await storage.conversations.touch(conversationPk, at);
  const conversation = (await storage.conversations.byPk(conversationPk)).conversation;
  tx.emit(Notifications.ConversationParticipantsRemoved, before, {
    taskId: conversation.taskId,
    conversationId: conversation.id,
    agentIds: [agentId],
    reason,
  });
};

/** Create a conversation and tell its participants. */
export const openConversation = async (
  storage: Storage,
  tx: Tx,
  task: TaskRecord,
  createdBy: string,
  name: string | undefined,
  participants: ReadonlyArray<AgentId>,
  at: string,
): Promise<Conversation> => {
  const pk = await storage.conversations.insert({
    id: newId("conversation"),
    taskPk: task.pk,
    name,
    createdBy,
    createdAt: at,
  });
  await storage.conversations.join(pk, participants, at);
  const conversation = (await storage.conversations.byPk(pk)).conversation;
  tx.emit(Notifications.ConversationCreated, participants, { taskId: task.task.id, conversation, participants });
  return conversation;
};
