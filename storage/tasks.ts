import type { AgentId, AppId, Task, TaskId, TaskParticipant, TaskStatus } from "../protocol/index.ts";
import type { TxCaches } from "./cache.ts";
import { jsonEach, type Sql } from "./sql.ts";

interface TaskRow {
  pk: number;
  id: string;
  app_id: string;
  initiator_agent_id: string;
  title: string | null;
  status: TaskStatus;
  failure_reason: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

const toTask = (r: TaskRow): Task => ({
  id: r.id as TaskId,
  appId: r.app_id as AppId,
  initiatorAgentId: r.initiator_agent_id as AgentId,
  ...(r.title !== null ? { title: r.title } : {}),
  status: r.status,
  ...(r.failure_reason !== null ? { failureReason: r.failure_reason } : {}),
  createdAt: r.created_at,
  ...(r.started_at !== null ? { startedAt: r.started_at } : {}),
  ...(r.ended_at !== null ? { endedAt: r.ended_at } : {}),
});

/** A stored task with its integer key, which conversations reference. */
export interface TaskRecord {
  readonly pk: number;
  readonly task: Task;
}

const toRecord = (r: TaskRow): TaskRecord => ({ pk: r.pk, task: toTask(r) });

export type Membership = "current" | "former" | "never";

/** owner, beforePk, status (twice: NULL for any), limit. */
type ListParams = [string, number, TaskStatus | null, TaskStatus | null, number];

export const makeTasks = (sql: Sql, caches: TxCaches) => {
  // A task's status is read on every send (is it active?) and changes a few times in its life.
  const statuses = caches.map<number, TaskStatus>(50_000);
  const insert = sql.prepare<[string, string, string, string | null, string], TaskRow>(
    `INSERT INTO tasks (id, app_id, initiator_agent_id, title, status, created_at) VALUES (?, ?, ?, ?, 'waiting', ?) RETURNING *`,
  );
  const byId = sql.prepare<[string], TaskRow>("SELECT * FROM tasks WHERE id = ?");
  const byPk = sql.prepare<[number], TaskRow>("SELECT * FROM tasks WHERE pk = ?");
  const statusOf = sql.prepare<[number], { status: TaskStatus }>("SELECT status FROM tasks WHERE pk = ?");
  const setStatus = sql.prepare(
    `UPDATE tasks SET status = ?, failure_reason = coalesce(?, failure_reason),
       started_at = coalesce(?, started_at), ended_at = coalesce(?, ended_at) WHERE pk = ?`,
  );
  const admit = sql.prepare(
    `INSERT INTO task_participants (task_pk, agent_id, admitted_at) VALUES (?, ?, ?)
     ON CONFLICT (task_pk, agent_id) DO UPDATE SET admitted_at = excluded.admitted_at, left_at = NULL
     WHERE task_participants.left_at IS NOT NULL`,
  );
  const leave = sql.prepare(
    "UPDATE task_participants SET left_at = ? WHERE task_pk = ? AND agent_id = ? AND left_at IS NULL",
  );
  const membership = sql.prepare<[number, string], { left_at: string | null }>(
    "SELECT left_at FROM task_participants WHERE task_pk = ? AND agent_id = ?",
  );
  const participants = sql.prepare<[number], { agent_id: string; admitted_at: string }>(
    "SELECT agent_id, admitted_at FROM task_participants WHERE task_pk = ? AND left_at IS NULL ORDER BY admitted_at, agent_id",
  );
  const notAdmitted = sql.prepare<[string, number], { value: string }>(
    `SELECT value FROM ${jsonEach(sql)} WHERE value NOT IN
       (SELECT agent_id FROM task_participants WHERE task_pk = ? AND left_at IS NULL)`,
  );
  const forAgent = sql.prepare<ListParams, TaskRow>(
    `SELECT t.* FROM task_participants p JOIN tasks t ON t.pk = p.task_pk
     WHERE p.agent_id = ? AND p.left_at IS NULL AND p.task_pk < ? AND (CAST(? AS TEXT) IS NULL OR t.status = ?)
     ORDER BY p.task_pk DESC LIMIT ?`,
  );
  const forApp = sql.prepare<ListParams, TaskRow>(
    `SELECT * FROM tasks WHERE app_id = ? AND pk < ? AND (CAST(? AS TEXT) IS NULL OR status = ?)
     ORDER BY pk DESC LIMIT ?`,
  );
  const waiting = sql.prepare<[], TaskRow>("SELECT * FROM tasks WHERE status = 'waiting' ORDER BY pk");

  return {
    async insert(t: {
      id: string;
      appId: string;
      initiatorAgentId: string;
      title?: string | undefined;
      createdAt: string;
    }): Promise<TaskRecord> {
      return toRecord((await insert.get(t.id, t.appId, t.initiatorAgentId, t.title ?? null, t.createdAt))!);
    },
    async get(id: string): Promise<TaskRecord | undefined> {
      const r = await byId.get(id);
      return r && toRecord(r);
    },
    async byPk(pk: number): Promise<TaskRecord> {
      return toRecord((await byPk.get(pk))!);
    },
    async setStatus(
      pk: number,
      status: TaskStatus,
      at: { failureReason?: string; startedAt?: string; endedAt?: string } = {},
    ): Promise<TaskRecord> {
      statuses.delete(pk);
      await setStatus.run(status, at.failureReason ?? null, at.startedAt ?? null, at.endedAt ?? null, pk);
      return this.byPk(pk);
    },
    async status(pk: number): Promise<TaskStatus> {
      return statuses.get(pk) ?? statuses.set(pk, (await statusOf.get(pk))!.status);
    },
    /** Admit an agent (again, if it had left); returns false when it already was a participant. */
    async admit(taskPk: number, agentId: string, at: string): Promise<boolean> {
      return (await admit.run(taskPk, agentId, at)) > 0;
    },
    /** Mark an agent as having left; returns false when it was not a current participant. */
    async leave(taskPk: number, agentId: string, at: string): Promise<boolean> {
      return (await leave.run(at, taskPk, agentId)) > 0;
    },
    async membership(taskPk: number, agentId: string): Promise<Membership> {
      const r = await membership.get(taskPk, agentId);
      return r === undefined ? "never" : r.left_at === null ? "current" : "former";
    },
    async participants(taskPk: number): Promise<TaskParticipant[]> {
      return (await participants.all(taskPk)).map((r) => ({
        agentId: r.agent_id as AgentId,
        admittedAt: r.admitted_at,
      }));
    },
    async participantIds(taskPk: number): Promise<string[]> {
      return (await participants.all(taskPk)).map((r) => r.agent_id);
    },
    /** The ids among `agentIds` that are not current participants. */
    async notAdmitted(taskPk: number, agentIds: ReadonlyArray<string>): Promise<string[]> {
      return [...new Set((await notAdmitted.all(JSON.stringify(agentIds), taskPk)).map((r) => r.value))];
    },
    /** Newest first, strictly older than `beforePk`. */
    async listForAgent(
      agentId: string,
      status: TaskStatus | undefined,
      beforePk: number,
      limit: number,
    ): Promise<TaskRecord[]> {
      const s = status ?? null;
      return (await forAgent.all(agentId, beforePk, s, s, limit)).map(toRecord);
    },
    /** Tasks still waiting for their app's verdict. */
    waiting: async (): Promise<TaskRecord[]> => (await waiting.all()).map(toRecord),
    async listForApp(
      appId: string,
      status: TaskStatus | undefined,
      beforePk: number,
      limit: number,
    ): Promise<TaskRecord[]> {
      const s = status ?? null;
      return (await forApp.all(appId, beforePk, s, s, limit)).map(toRecord);
    },
  };
};
export type Tasks = ReturnType<typeof makeTasks>;
