import {
  A2a,
  MAX_PARTS_JSON_BYTES,
  Notifications,
  type Message as HubMessage,
  type MessageId,
} from "../../protocol/index.ts";
import {
  A2A_APP_ID,
  decodeCursor,
  encodeCursor,
  newId,
  nowIso,
  type A2aMessageRow,
  type A2aTaskRow,
} from "../../storage/index.ts";
import { openConversation } from "../handlers/access.ts";
import type { HubContext } from "../hub-context.ts";
import type { A2aBell } from "./bell.ts";
import { fromA2aParts, stateAfter, toA2aMessage } from "./mapping.ts";

const { a2aError, terminalStates } = A2a;

/** The a2a-client making a call, as its bearer token proved it. */
export interface A2aCaller {
  readonly clientId: string;
  readonly name: string;
}

/** The exposed agent a call is addressed to. */
export interface A2aTarget {
  readonly agentId: string;
  readonly name: string;
}

/** History a task carries when the caller does not say (3.2.4), and the most it ever carries. */
const DEFAULT_HISTORY = 100;
const MAX_HISTORY = 1_000;
/** Messages read per step when a stream catches up. */
const PAGE = 200;
const NO_BOUND = Number.MAX_SAFE_INTEGER;

/** A task's status at some seq, with that seq. */
interface StatusAt {
  readonly status: A2a.TaskStatus;
  readonly seq: number;
  /** The agent named this terminal state and the end is not recorded yet: the caller settles it (outside a job). */
  readonly unsettled?: A2a.TaskState;
}

/** The task read as it stands now (see `readNow`): its A2A row, and how the Switchboard task ended if it did. */
interface Now {
  readonly row: A2aTaskRow;
  readonly closed?: A2a.TaskStatus;
}

type CommitTx = Parameters<Parameters<HubContext["commit"]>[0]>[0];

/**
 * The operations of the A2A edge over the core's storage: every write goes
 * through `hub.commit`, every read is of the durable conversation, so a
 * stream, a replay and a GetTask all see the same ordered log.
 */
export const makeA2aService = (hub: HubContext, bell: A2aBell) => {
  const { storage } = hub;

  const notFound = (taskId: string) =>
    a2aError(
      "TaskNotFoundError",
      `No task ${taskId} between you and this agent. Use the id a SendMessage answered with, at the same agent's URL.`,
      { taskId },
    );

  /** The task, when it is between this caller and this agent; anyone else learns nothing. */
  const ownTask = async (caller: A2aCaller, target: A2aTarget, taskId: string): Promise<A2aTaskRow> => {
    const row = await storage.a2a.task(taskId);
    if (!row || row.clientId !== caller.clientId || row.agentId !== target.agentId) throw notFound(taskId);
    return row;
  };

  /**
   * Record the end the agent named with a terminal status part, and close the
   * Switchboard task for it (the built-in A2A app moderates these tasks), so
   * that the agent is told and nothing more is sent to it. Never called from
   * inside a write job (a job may run more than once, and awaits storage only).
   */
  const settle = (row: A2aTaskRow, state: A2a.TaskState, seq: number): void => {
    hub
      .commit((tx) => endTask(tx, row.taskId, state, seq))
      .catch((err: unknown) => hub.log.error({ err, taskId: row.taskId }, "A2A: closing an ended task failed"));
  };

  const endTask = async (tx: CommitTx, taskId: string, state: string, seq: number): Promise<boolean> => {
    const at = nowIso();
    if (!(await storage.a2a.end(taskId, state, seq, at))) return false;
    const rec = await storage.tasks.get(taskId);
    if (rec && rec.task.status === "active") {
      const closed = await storage.tasks.setStatus(rec.pk, "closed", { endedAt: at });
      tx.emit(Notifications.TaskClosed, await storage.tasks.participantIds(rec.pk), { task: closed.task });
    }
    return true;
  };

  const messageOf = (row: A2aTaskRow, r: A2aMessageRow) => toA2aMessage(r.message, row.clientId, r.clientMessageId);

  /** The status a message leaves the task in. */
  const statusAfter = (row: A2aTaskRow, r: A2aMessageRow): A2a.TaskStatus => {
    const message = messageOf(row, r);
    return {
      state: stateAfter(r.message, row.clientId),
      ...(message !== undefined ? { message } : {}),
      timestamp: r.message.createdAt,
    };
  };

  /**
   * The task as it stands now: the Switchboard task is read first, then the
   * A2A row. `endTask` records an end and closes the task in one commit, so a
   * close seen here comes with the end it recorded; read the other way round,
   * a cancel committing between the two reads looks like a plain close.
   */
  const readNow = async (row: A2aTaskRow): Promise<Now> => {
    const rec = await storage.tasks.get(row.taskId);
    const fresh = (await storage.a2a.task(row.taskId)) ?? row;
    if (!rec || (rec.task.status !== "closed" && rec.task.status !== "failed")) return { row: fresh };
    const state = rec.task.status === "failed" ? "TASK_STATE_FAILED" : "TASK_STATE_COMPLETED";
    return { row: fresh, closed: { state, timestamp: rec.task.endedAt ?? nowIso() } };
  };

  /**
   * The task's status after its message `last` (the newest up to the seq
   * asked for), taking its recorded end into account; `current` (from
   * `readNow`) also looks at the Switchboard task, and reports an end the
   * agent named but nobody recorded yet (`unsettled`; see `settled`).
   */
  const statusAt = (row: A2aTaskRow, last: A2aMessageRow | undefined, current?: Now): StatusAt => {
    const seq = last?.message.seq ?? 0;
    if (row.ended && row.ended.seq <= seq) {
      const message = last !== undefined && last.message.seq === row.ended.seq ? messageOf(row, last) : undefined;
      return {
        status: {
          state: row.ended.state as A2a.TaskState,
          ...(message !== undefined ? { message } : {}),
          timestamp: row.ended.at,
        },
        seq: row.ended.seq,
      };
    }
    if (current?.closed && !row.ended) return { status: current.closed, seq };
    if (!last) return { status: { state: "TASK_STATE_SUBMITTED", timestamp: row.createdAt }, seq };
    const status = statusAfter(row, last);
    if (current && !row.ended && terminalStates.has(status.state)) return { status, seq, unsettled: status.state };
    return { status, seq };
  };

  /** Outside a write job: record the end a status reports as unsettled (in a commit of its own). */
  const settled = (row: A2aTaskRow, at: StatusAt): StatusAt => {
    if (at.unsettled !== undefined) settle(row, at.unsettled, at.seq);
    return at;
  };

  /** The A2A Task as of seq `upTo` (its current state when undefined). */
  const taskAt = async (
    given: A2aTaskRow,
    upTo: number | undefined,
    historyLength: number | undefined,
  ): Promise<A2a.Task> => {
    const now = upTo === undefined ? await readNow(given) : undefined;
    const row = now?.row ?? given;
    const bound = upTo ?? row.ended?.seq ?? NO_BOUND;
    const wanted = Math.min(historyLength ?? DEFAULT_HISTORY, MAX_HISTORY);
    const rows = await storage.a2a.lastMessages(row, bound, Math.max(wanted, 1));
    const { status, seq } = settled(row, statusAt(row, rows.at(-1), now));
    const history = wanted === 0 ? [] : rows.slice(-wanted).flatMap((r) => messageOf(row, r) ?? []);
    return {
      id: row.taskId,
      contextId: row.conversationId,
      status,
      ...(wanted > 0 ? { history } : {}),
      metadata: { seq, agentId: row.agentId },
    };
  };

  /** The task's state now; `inJob` inside a write job, where an unrecorded end is left for a later read to settle. */
  const currentState = async (row: A2aTaskRow, inJob = false): Promise<A2a.TaskState> => {
    const now = await readNow(row);
    const fresh = now.row;
    const last = (await storage.a2a.lastMessages(fresh, fresh.ended?.seq ?? NO_BOUND, 1)).at(-1);
    const at = statusAt(fresh, last, now);
    return (inJob ? at : settled(fresh, at)).status.state;
  };

  const invalid = (field: string, description: string) =>
    a2aError("InvalidParamsError", `${field}: ${description}`, {}, [{ field, description }]);

  /**
   * Store the caller's message in its task's conversation, opening the task
   * (and its conversation, moderated by the built-in A2A app) for a message
   * that names neither a task nor a context. The caller's messageId is the
   * message's clientMessageId: a repeat returns the first message's task and
   * stores nothing (A2A#1987).
   */
  const send = async (
    caller: A2aCaller,
    target: A2aTarget,
    req: A2a.SendMessageRequest,
  ): Promise<{ row: A2aTaskRow; seq: number; duplicate: boolean }> => {
    const m = req.message;
    if (m.role !== "ROLE_USER") throw invalid("message.role", "a caller's message has the role ROLE_USER");
    const mapped = fromA2aParts(m.parts);
    if (!mapped.ok) {
      const field = `message.parts[${mapped.refusal.index}]`;
      if (mapped.refusal.reason === "raw")
        throw a2aError("ContentTypeNotSupportedError", `${field}: ${mapped.refusal.message}`);
      throw invalid(field, mapped.refusal.message);
    }
    const partsJson = JSON.stringify(mapped.parts);
    if (Buffer.byteLength(partsJson) > MAX_PARTS_JSON_BYTES) {
      throw invalid("message.parts", `the parts total more than ${MAX_PARTS_JSON_BYTES} bytes of JSON`);
    }
    const me = caller.clientId;

    const outcome = await hub.commit(async (tx) => {
      const prior = await storage.messages.byClientId(me, m.messageId);
      if (prior) {
        const row = await storage.a2a.taskOfContext(prior.message.conversationId);
        if (!row || row.agentId !== target.agentId) {
          throw invalid("message.messageId", "you already used this messageId for a message to another agent");
        }
        return { row, seq: prior.message.seq, duplicate: true };
      }
      const at = nowIso();
      let row: A2aTaskRow | undefined;
      if (m.taskId !== undefined) {
        row = await ownTask(caller, target, m.taskId);
        if (m.contextId !== undefined && m.contextId !== row.conversationId) {
          throw invalid("message.contextId", `task ${m.taskId} belongs to context ${row.conversationId}`);
        }
      } else if (m.contextId !== undefined) {
        row = await storage.a2a.taskOfContext(m.contextId);
        if (!row || row.clientId !== me || row.agentId !== target.agentId) {
          throw a2aError(
            "TaskNotFoundError",
            `No context ${m.contextId} between you and this agent; omit contextId to start a new task.`,
            { contextId: m.contextId },
          );
        }
      }
      if (row) {
        const state = await currentState(row, true);
        if (terminalStates.has(state)) {
          throw a2aError(
            "UnsupportedOperationError",
            `Task ${row.taskId} is ${state} and accepts no more messages; send without taskId and contextId to start a new task.`,
            { taskId: row.taskId, state },
          );
        }
      } else {
        const rec = await storage.tasks.insert({
          id: newId("task"),
          appId: A2A_APP_ID,
          initiatorAgentId: me,
          createdAt: at,
        });
        await storage.tasks.admit(rec.pk, me, at);
        await storage.tasks.admit(rec.pk, target.agentId, at);
        const active = await storage.tasks.setStatus(rec.pk, "active", { startedAt: at });
        const participants = await storage.tasks.participants(rec.pk);
        tx.emit(
          Notifications.TaskCreated,
          participants.map((x) => x.agentId),
          { task: active.task, participants },
        );
        const members = participants.map((x) => x.agentId);
        const conversation = await openConversation(storage, tx, active, A2A_APP_ID, "a2a", members, at);
        await storage.a2a.insertTask({
          taskId: active.task.id,
          conversationId: conversation.id,
          clientId: me,
          agentId: target.agentId,
          at,
        });
        row = (await storage.a2a.task(active.task.id))!;
      }
      const ctx = await storage.conversations.sendContext(row.conversationId, me);
      if (!ctx || !ctx.member) throw notFound(row.taskId);
      if (ctx.archived) {
        throw a2aError("UnsupportedOperationError", "The agent archived this conversation; start a new task.", {
          taskId: row.taskId,
        });
      }
      const id = newId("message") as MessageId;
      const seq = await storage.messages.append({
        id,
        conversationPk: ctx.pk,
        senderId: me,
        partsJson,
        clientMessageId: m.messageId,
        createdAt: at,
      });
      const message: HubMessage = {
        id,
        taskId: ctx.taskId,
        conversationId: ctx.conversation.id,
        seq,
        senderId: me,
        parts: mapped.parts,
        createdAt: at,
      };
      const to = ctx.participants.filter((a) => a !== me);
      tx.emit(Notifications.MessageReceived, to, {
        taskId: message.taskId,
        conversationId: message.conversationId,
        message,
      });
      return { row, seq, duplicate: false };
    });
    // The caller's other streams on this task see its message too.
    if (!outcome.duplicate) bell.ring(me);
    return outcome;
  };

  /**
   * Resolve once the task's state passes `done`, or after `timeoutMs`, or
   * when `signal` aborts. Listens before its first look, so nothing
   * committed in between is missed.
   */
  const waitFor = (
    row: A2aTaskRow,
    done: (state: A2a.TaskState) => boolean,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<void> =>
    new Promise((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        unlisten();
        clearTimeout(timer);
        signal.removeEventListener("abort", finish);
        resolve();
      };
      const check = () => {
        if (finished) return;
        currentState(row).then(
          (state) => {
            if (done(state)) finish();
          },
          (err: unknown) => {
            hub.log.warn({ err, taskId: row.taskId }, "A2A: reading a task's state failed; answering as it stands");
            finish();
          },
        );
      };
      const unlisten = bell.listen(row.clientId, check);
      const timer = setTimeout(finish, timeoutMs);
      signal.addEventListener("abort", finish);
      check();
    });

  const cancel = async (caller: A2aCaller, target: A2aTarget, taskId: string): Promise<A2a.Task> => {
    await ownTask(caller, target, taskId);
    await hub.commit(async (tx) => {
      const row = (await storage.a2a.task(taskId))!;
      const state = await currentState(row, true);
      if (terminalStates.has(state)) {
        throw a2aError("TaskNotCancelableError", `Task ${taskId} is already ${state}; there is nothing to cancel.`, {
          taskId,
          state,
        });
      }
      const lastSeq = (await storage.conversations.get(row.conversationId))?.lastSeq ?? 0;
      await endTask(tx, taskId, "TASK_STATE_CANCELED", lastSeq);
    });
    return await taskAt((await storage.a2a.task(taskId))!, undefined, undefined);
  };

  /**
   * Follow a task from seq `after`: each message after it becomes a status
   * update carrying its seq, in order, then live ones as they commit; the
   * task's end is the last event. Returns the function that stops it.
   */
  const follow = (
    row: A2aTaskRow,
    after: number,
    write: (event: A2a.StreamResponse, seq: number) => void,
    end: () => void,
  ): (() => void) => {
    let seq = after;
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      unlisten();
    };
    const finish = () => {
      stop();
      end();
    };
    const update = (status: A2a.TaskStatus, at: number): A2a.StreamResponse => ({
      statusUpdate: { taskId: row.taskId, contextId: row.conversationId, status, metadata: { seq: at } },
    });
    /** One catch-up: writes what is new after `seq`, and ends the stream at the task's end. */
    const pumpOnce = async (): Promise<void> => {
      for (;;) {
        const fresh = (await storage.a2a.task(row.taskId)) ?? row;
        const rows = await storage.a2a.messagesAfter(fresh, seq, PAGE);
        if (stopped) return;
        for (const r of rows) {
          if (fresh.ended && r.message.seq > fresh.ended.seq) break;
          const status = statusAfter(fresh, r);
          seq = r.message.seq;
          write(update(status, seq), seq);
          if (terminalStates.has(status.state)) {
            if (!fresh.ended) settle(fresh, status.state, seq);
            return finish();
          }
        }
        if (rows.length < PAGE || (fresh.ended && seq >= fresh.ended.seq)) break;
      }
      const now = await readNow(row);
      const fresh = now.row;
      const { status } = statusAt(fresh, undefined, now);
      if (stopped) return;
      if (fresh.ended && fresh.ended.seq <= seq) {
        write(update({ state: fresh.ended.state as A2a.TaskState, timestamp: fresh.ended.at }, fresh.ended.seq), seq);
        return finish();
      }
      if (!fresh.ended && terminalStates.has(status.state)) {
        write(update(status, seq), seq);
        return finish();
      }
    };
    // Reads take a round trip on PostgreSQL: one catch-up at a time, and one more if the bell rang meanwhile,
    // so events are written once each and in seq order.
    let running = false;
    let again = false;
    const pump = () => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      void (async () => {
        try {
          do {
            again = false;
            await pumpOnce();
          } while (again && !stopped);
        } catch (err) {
          // The client resumes with Last-Event-ID once storage answers again.
          hub.log.warn({ err, taskId: row.taskId }, "A2A: a stream could not read its task; closing it");
          finish();
        } finally {
          running = false;
        }
      })();
    };
    const unlisten = bell.listen(row.clientId, pump);
    pump();
    return stop;
  };

  /**
   * What a push config delivers after its position `after` (2 x the seq of
   * the last message it delivered, + 1 once it delivered the task's end):
   * the status update of the next message, the same event a stream writes,
   * or the task's end; undefined when there is nothing yet. The position
   * that event moves the config to comes with it.
   */
  const nextUpdate = async (
    row: A2aTaskRow,
    after: number,
  ): Promise<{ position: number; seq: number; end: boolean; event: A2a.StreamResponse } | undefined> => {
    if (after % 2 === 1) return undefined;
    const seq = after / 2;
    const update = (status: A2a.TaskStatus, at: number): A2a.StreamResponse => ({
      statusUpdate: { taskId: row.taskId, contextId: row.conversationId, status, metadata: { seq: at } },
    });
    const now = await readNow(row);
    const fresh = now.row;
    const [r] = await storage.a2a.messagesAfter(fresh, seq, 1);
    if (r && !(fresh.ended && r.message.seq > fresh.ended.seq)) {
      const status = statusAfter(fresh, r);
      const end = terminalStates.has(status.state);
      if (end && !fresh.ended) settle(fresh, status.state, r.message.seq);
      return {
        position: 2 * r.message.seq + (end ? 1 : 0),
        seq: r.message.seq,
        end,
        event: update(status, r.message.seq),
      };
    }
    if (fresh.ended && fresh.ended.seq <= seq) {
      const status: A2a.TaskStatus = { state: fresh.ended.state as A2a.TaskState, timestamp: fresh.ended.at };
      return { position: after + 1, seq, end: true, event: update(status, fresh.ended.seq) };
    }
    if (!fresh.ended) {
      const { status } = statusAt(fresh, undefined, now);
      if (terminalStates.has(status.state)) return { position: after + 1, seq, end: true, event: update(status, seq) };
    }
    return undefined;
  };

  /** A page of the caller's tasks with this agent, newest first (ListTasks). */
  const list = async (caller: A2aCaller, target: A2aTarget, p: typeof A2a.ListTasksRequest.Type) => {
    const pageSize = Math.min(Math.max(p.pageSize ?? 50, 1), 100);
    let before: readonly [string, string] = ["\uffff", ""];
    if (p.pageToken) {
      before =
        decodeCursor(p.pageToken, ["string", "string"]) ??
        (() => {
          throw invalid("pageToken", "is not a token this hub issued; pass nextPageToken back unchanged");
        })();
    }
    let rows: A2aTaskRow[];
    if (p.contextId) {
      const row = await storage.a2a.taskOfContext(p.contextId);
      rows = row && row.clientId === caller.clientId && row.agentId === target.agentId ? [row] : [];
    } else rows = await storage.a2a.tasksOf(caller.clientId, target.agentId, before, pageSize + 1);
    const more = rows.length > pageSize;
    const page = rows.slice(0, pageSize);
    const wanted = p.status && p.status !== "TASK_STATE_UNSPECIFIED" ? p.status : undefined;
    const tasks: A2a.Task[] = [];
    for (const r of page) {
      const t = await taskAt(r, undefined, p.historyLength ?? 0);
      if (wanted === undefined || t.status.state === wanted) tasks.push(t);
    }
    const last = page.at(-1);
    return {
      tasks,
      nextPageToken: more && last ? encodeCursor([last.createdAt, last.taskId]) : "",
      pageSize,
      totalSize: p.contextId ? rows.length : await storage.a2a.countTasksOf(caller.clientId, target.agentId),
    };
  };

  return { ownTask, send, waitFor, cancel, follow, taskAt, list, currentState, nextUpdate };
};

export type A2aService = ReturnType<typeof makeA2aService>;
