import type { AgentId, AppId, Task, TaskId, TaskParticipant, TaskStatus } from "../protocol/index.ts";
import type { TxCaches } from "./cache.ts";
import type { Db } from "./db.ts";

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

interface AdminListParams {
  readonly beforePk: number;
  readonly status: TaskStatus | null;
  readonly app: string | null;
  readonly agent: string | null;
  readonly limit: number;
}

interface ListParams {
  readonly owner: string;
  readonly beforePk: number;
  readonly status: TaskStatus | null;
  readonly limit: number;
}

export const makeTasks = (db: Db, caches: TxCaches) => {
  // A task's status is read on every send (is it active?) and changes a few times in its life.
  const statuses = caches.map<number, TaskStatus>(50_000);
  const insert = db.prepare(
    `INSERT INTO tasks (id, app_id, initiator_agent_id, title, status, created_at) VALUES (?, ?, ?, ?, 'waiting', ?)`,
  );
  const byId = db.prepare<[string], TaskRow>("SELECT * FROM tasks WHERE id = ?");
  const byPk = db.prepare<[number], TaskRow>("SELECT * FROM tasks WHERE pk = ?");
  const statusOf = db.prepare<[number], { status: TaskStatus }>("SELECT status FROM tasks WHERE pk = ?");
  const setStatus = db.prepare(
    `UPDATE tasks SET status = ?, failure_reason = coalesce(?, failure_reason),
       started_at = coalesce(?, started_at), ended_at = coalesce(?, ended_at) WHERE pk = ?`,
  );
  const admit = db.prepare(
    `INSERT INTO task_participants (task_pk, agent_id, admitted_at) VALUES (?, ?, ?)
     ON CONFLICT (task_pk, agent_id) DO UPDATE SET admitted_at = excluded.admitted_at, left_at = NULL
     WHERE task_participants.left_at IS NOT NULL`,
  );
  const leave = db.prepare(
    "UPDATE task_participants SET left_at = ? WHERE task_pk = ? AND agent_id = ? AND left_at IS NULL",
  );
  const membership = db.prepare<[number, string], { left_at: string | null }>(
    "SELECT left_at FROM task_participants WHERE task_pk = ? AND agent_id = ?",
  );
  const participants = db.prepare<[number], { agent_id: string; admitted_at: string }>(
    "SELECT agent_id, admitted_at FROM task_participants WHERE task_pk = ? AND left_at IS NULL ORDER BY admitted_at, agent_id",
  );
  const notAdmitted = db.prepare<[string, number], { value: string }>(
    `SELECT value FROM json_each(?) WHERE value NOT IN
       (SELECT agent_id FROM task_participants WHERE task_pk = ? AND left_at IS NULL)`,
  );
  // Named parameters: better-sqlite3 binds positional arguments to `?` only, never to `?NNN`.
  const forAgent = db.prepare<[ListParams], TaskRow>(
    `SELECT t.* FROM task_participants p JOIN tasks t ON t.pk = p.task_pk
     WHERE p.agent_id = @owner AND p.left_at IS NULL AND p.task_pk < @beforePk AND (@status IS NULL OR t.status = @status)
     ORDER BY p.task_pk DESC LIMIT @limit`,
  );
  const forApp = db.prepare<[ListParams], TaskRow>(
    `SELECT * FROM tasks WHERE app_id = @owner AND pk < @beforePk AND (@status IS NULL OR status = @status)
     ORDER BY pk DESC LIMIT @limit`,
  );
  const waiting = db.prepare<[], TaskRow>("SELECT * FROM tasks WHERE status = 'waiting' ORDER BY pk");
  const everyTask = db.prepare<[AdminListParams], TaskRow>(
    `SELECT * FROM tasks t
     WHERE t.pk < @beforePk AND (@status IS NULL OR t.status = @status) AND (@app IS NULL OR t.app_id = @app)
       AND (@agent IS NULL OR EXISTS (SELECT 1 FROM task_participants p WHERE p.task_pk = t.pk AND p.agent_id = @agent))
     ORDER BY t.pk DESC LIMIT @limit`,
  );
  const byStatus = db.prepare<[], { status: TaskStatus; n: number }>(
    "SELECT status, count(*) AS n FROM tasks GROUP BY status",
  );

  return {
    insert(t: {
      id: string;
      appId: string;
      initiatorAgentId: string;
      title?: string | undefined;
      createdAt: string;
    }): TaskRecord {
      const { lastInsertRowid } = insert.run(t.id, t.appId, t.initiatorAgentId, t.title ?? null, t.createdAt);
      return toRecord(byPk.get(Number(lastInsertRowid))!);
    },
    get(id: string): TaskRecord | undefined {
      const r = byId.get(id);
      return r && toRecord(r);
    },
    byPk(pk: number): TaskRecord {
      return toRecord(byPk.get(pk)!);
    },
    setStatus(
      pk: number,
      status: TaskStatus,
      at: { failureReason?: string; startedAt?: string; endedAt?: string } = {},
    ): TaskRecord {
      statuses.delete(pk);
      setStatus.run(status, at.failureReason ?? null, at.startedAt ?? null, at.endedAt ?? null, pk);
      return this.byPk(pk);
    },
    status(pk: number): TaskStatus {
      return statuses.get(pk) ?? statuses.set(pk, statusOf.get(pk)!.status);
    },
    /** Admit an agent (again, if it had left); returns false when it already was a participant. */
    admit(taskPk: number, agentId: string, at: string): boolean {
      return admit.run(taskPk, agentId, at).changes > 0;
    },
    /** Mark an agent as having left; returns false when it was not a current participant. */
    leave(taskPk: number, agentId: string, at: string): boolean {
      return leave.run(at, taskPk, agentId).changes > 0;
    },
    membership(taskPk: number, agentId: string): Membership {
      const r = membership.get(taskPk, agentId);
      return r === undefined ? "never" : r.left_at === null ? "current" : "former";
    },
    participants(taskPk: number): TaskParticipant[] {
      return participants.all(taskPk).map((r) => ({ agentId: r.agent_id as AgentId, admittedAt: r.admitted_at }));
    },
    participantIds(taskPk: number): string[] {
      return participants.all(taskPk).map((r) => r.agent_id);
    },
    /** The ids among `agentIds` that are not current participants. */
    notAdmitted(taskPk: number, agentIds: ReadonlyArray<string>): string[] {
      return [...new Set(notAdmitted.all(JSON.stringify(agentIds), taskPk).map((r) => r.value))];
    },
    /** Newest first, strictly older than `beforePk`. */
    listForAgent(agentId: string, status: TaskStatus | undefined, beforePk: number, limit: number): TaskRecord[] {
      return forAgent.all({ owner: agentId, beforePk, status: status ?? null, limit }).map(toRecord);
    },
    /** Tasks still waiting for their app's verdict. */
    waiting: (): TaskRecord[] => waiting.all().map(toRecord),
    listForApp(appId: string, status: TaskStatus | undefined, beforePk: number, limit: number): TaskRecord[] {
      return forApp.all({ owner: appId, beforePk, status: status ?? null, limit }).map(toRecord);
    },
    /** Every task, newest first, strictly older than `beforePk`; `agentId` matches current and former participants. */
    listAll(
      filter: { status?: TaskStatus | undefined; appId?: string | undefined; agentId?: string | undefined },
      beforePk: number,
      limit: number,
    ): TaskRecord[] {
      return everyTask
        .all({
          beforePk,
          status: filter.status ?? null,
          app: filter.appId ?? null,
          agent: filter.agentId ?? null,
          limit,
        })
        .map(toRecord);
    },
    /** How many tasks are in each status. */
    countByStatus(): Record<TaskStatus, number> {
      const counts: Record<TaskStatus, number> = { waiting: 0, active: 0, failed: 0, closed: 0 };
      for (const r of byStatus.all()) counts[r.status] = r.n;
      return counts;
    },
  };
};
export type Tasks = ReturnType<typeof makeTasks>;
