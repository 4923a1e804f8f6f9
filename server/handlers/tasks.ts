import { Callbacks, Methods, Notifications, type Conversation, type Raise } from "../../protocol/index.ts";
import { DEFAULT_APP_ID, newId, nowIso, type TaskRecord } from "../../storage/index.ts";
import type { HubContext } from "../hub-context.ts";
import { implement } from "../rpc.ts";
import {
  openConversation,
  ownedTask,
  participantTask,
  removeFromConversation,
  requireAdmitted,
  requireAgents,
  requireOpen,
  requireRoom,
} from "./access.ts";
import { DEFAULT_LIMIT, readCursor, toPage } from "./paging.ts";

/** Why a task was not accepted, as task/failed and TaskRejected carry it (section 10.6). */
const failureReason = { timeout: "timeout", app_unreachable: "app_unreachable", invalid: "invalid_verdict" } as const;

export const taskHandlers = (hub: HubContext) => {
  const { storage } = hub;

  const list = (rows: TaskRecord[], limit: number) =>
    toPage(
      rows,
      limit,
      (r) => r.task,
      (r) => [r.pk],
    );
  const before = (raise: Raise<"InvalidParams">, cursor: string | undefined) =>
    cursor === undefined ? Number.MAX_SAFE_INTEGER : readCursor(raise, cursor, ["number"])[0];

  return [
    implement(Methods.TaskRequest, async (p, { principal, raise }) => {
      const me = principal.id;
      const appId = p.appId ?? DEFAULT_APP_ID;
      if (!(await storage.apps.get(appId))) return raise("AppNotFound");
      const invited = [...new Set(p.invitedAgentIds)].filter((id) => id !== me);
      await requireAgents(storage, invited, raise);
      const everyone = [me, ...invited];
      const initial = p.initialConversation;
      const initialMembers = initial ? [...new Set(initial.participants ?? everyone)] : [];
      if (initial) {
        await requireAgents(storage, initialMembers, raise);
        const outside = initialMembers.filter((id) => !everyone.includes(id));
        if (outside.length > 0) return raise("ParticipantNotAdmitted", { agentIds: outside });
        requireRoom(initialMembers.length, hub.config.maxParticipants, raise);
      }

      const waiting = await hub.commit(async () => {
        const at = nowIso();
        const rec = await storage.tasks.insert({
          id: newId("task"),
          appId,
          initiatorAgentId: me,
          title: p.title,
          createdAt: at,
        });
        for (const id of everyone) await storage.tasks.admit(rec.pk, id, at);
        return rec;
      });

      let verdict: { accept: true } | { accept: false; reason: string } = { accept: true };
      if (appId !== DEFAULT_APP_ID) {
        const outcome = await hub.callbacks.call(appId, Callbacks.TaskCreateCallback, {
          task: waiting.task,
          invitedAgentIds: invited,
          ...(initial ? { initialConversation: initial } : {}),
        });
        if (!outcome.ok) verdict = { accept: false, reason: failureReason[outcome.failure] };
        else if (outcome.result.verdict === "reject")
          verdict = { accept: false, reason: outcome.result.reason ?? "rejected" };
      }

      if (!verdict.accept) {
        const reason = verdict.reason;
        await hub.commit(async (tx) => {
          const at = nowIso();
          const rec = await storage.tasks.byPk(waiting.pk);
          if (rec.task.status === "waiting")
            await storage.tasks.setStatus(rec.pk, "failed", { failureReason: reason, endedAt: at });
          tx.emit(Notifications.TaskFailed, [me], { taskId: rec.task.id, reason });
        });
        return raise("TaskRejected", { reason }, `The task's app did not accept the task (${reason}).`);
      }

      return hub.commit(async (tx) => {
        const at = nowIso();
        const current = await storage.tasks.byPk(waiting.pk);
        // Everyone may have left, or the app closed it, while the verdict was pending.
        if (current.task.status !== "waiting") return raise("TaskRejected", { reason: `task_${current.task.status}` });
        const rec = await storage.tasks.setStatus(waiting.pk, "active", { startedAt: at });
        const participants = await storage.tasks.participants(rec.pk);
        tx.emit(
          Notifications.TaskCreated,
          participants.map((x) => x.agentId),
          { task: rec.task, participants },
        );
        let conversation: Conversation | null = null;
        if (initial) {
          const present = new Set(participants.map((x) => x.agentId as string));
          const members = initialMembers.filter((id) => present.has(id));
          conversation = await openConversation(storage, tx, rec, me, initial.name, members, at);
        }
        return { task: rec.task, conversation };
      });
    }),

    implement(Methods.TaskList, async (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      return list(await storage.tasks.listForAgent(principal.id, p.status, before(raise, p.cursor), limit + 1), limit);
    }),

    implement(Methods.AppTaskList, async (p, { principal, raise }) => {
      const limit = p.limit ?? DEFAULT_LIMIT;
      return list(await storage.tasks.listForApp(principal.id, p.status, before(raise, p.cursor), limit + 1), limit);
    }),

    implement(Methods.TaskGet, async (p, { principal, raise }) => {
      const rec =
        principal.type === "agent"
          ? await participantTask(storage, p.taskId, principal.id, raise)
          : await ownedTask(storage, p.taskId, principal.id, raise);
      return { task: rec.task, participants: await storage.tasks.participants(rec.pk) };
    }),

    implement(Methods.TaskLeave, async (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const me = principal.id;
        const rec = await storage.tasks.get(p.taskId);
        const membership = rec ? await storage.tasks.membership(rec.pk, me) : "never";
        if (!rec || membership === "never") return raise("TaskNotFound");
        if (membership === "former") return {};
        const at = nowIso();
        for (const pk of await storage.conversations.ofAgentInTask(rec.pk, me)) {
          await removeFromConversation(storage, tx, pk, me, "task_leave", at);
        }
        await storage.tasks.leave(rec.pk, me, at);
        const open = rec.task.status === "waiting" || rec.task.status === "active";
        if (open && (await storage.tasks.participantIds(rec.pk)).length === 0) {
          const closed = await storage.tasks.setStatus(rec.pk, "closed", { endedAt: at });
          tx.emit(Notifications.TaskClosed, [me], { task: closed.task });
        }
        return {};
      }),
    ),

    implement(Methods.TaskClose, async (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const rec = await ownedTask(storage, p.taskId, principal.id, raise);
        requireOpen(rec, raise);
        const closed = await storage.tasks.setStatus(rec.pk, "closed", { endedAt: nowIso() });
        tx.emit(Notifications.TaskClosed, await storage.tasks.participantIds(rec.pk), { task: closed.task });
        return { task: closed.task };
      }),
    ),

    implement(Methods.TaskParticipantsAdd, async (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const rec = await ownedTask(storage, p.taskId, principal.id, raise);
        // 10.2: resources (the agent) before state (the task's status).
        await requireAgents(storage, [p.agentId], raise);
        requireOpen(rec, raise);
        if (await storage.tasks.admit(rec.pk, p.agentId, nowIso())) {
          tx.emit(Notifications.TaskParticipantsAdded, await storage.tasks.participantIds(rec.pk), {
            taskId: rec.task.id,
            agentId: p.agentId,
          });
        }
        const participant = (await storage.tasks.participants(rec.pk)).find((x) => x.agentId === p.agentId)!;
        return { participant };
      }),
    ),

    implement(Methods.TaskParticipantsRemove, async (p, { principal, raise }) =>
      hub.commit(async (tx) => {
        const rec = await ownedTask(storage, p.taskId, principal.id, raise);
        requireOpen(rec, raise);
        await requireAdmitted(storage, rec.pk, [p.agentId], raise);
        const at = nowIso();
        for (const pk of await storage.conversations.ofAgentInTask(rec.pk, p.agentId)) {
          await removeFromConversation(storage, tx, pk, p.agentId, "app_remove", at);
        }
        await storage.tasks.leave(rec.pk, p.agentId, at);
        return {};
      }),
    ),
  ];
};
