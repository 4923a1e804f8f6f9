import type { FeedEntry, FeedFilter } from "../../protocol/index.ts";
import { nowIso } from "../../storage/index.ts";
import type { CallbackObserver, CallbackOutcome } from "../callbacks.ts";
import type { Emitted } from "../committer.ts";
import type { Session } from "../session.ts";
import { describeEvent, type Draft } from "./describe.ts";

/** Action events go to several recipient groups, one emit each: the feed shows each event once. */
const SEEN_EVENT_IDS = 512;

const matches = (filter: FeedFilter, entry: Draft): boolean =>
  (filter.agentId === undefined || entry.agentId === filter.agentId) &&
  (filter.appId === undefined || entry.appId === filter.appId) &&
  (filter.taskId === undefined || entry.taskId === filter.taskId) &&
  (filter.conversationId === undefined || entry.conversationId === filter.conversationId);

/**
 * The inspector's live feed: an admin socket subscribes, and is sent one
 * `admin/feed/event` per thing that happened, made from events after they
 * committed (beside the fan-out), presence changes and callbacks. Each entry
 * is serialized once for every subscriber and written with Session.send, so
 * a subscriber that cannot keep up is closed as a slow consumer (4008) and
 * the hub never waits for it. With no subscriber the feed only counts.
 */
export class InspectorFeed implements CallbackObserver {
  private readonly subscribers = new Map<Session, FeedFilter>();
  private seq = 0;
  private readonly seenEventIds = new Set<string>();
  /** Messages committed since start (message/received events), for the overview's rate. */
  messages = 0;

  get lastSeq(): number {
    return this.seq;
  }

  subscribe(session: Session, filter: FeedFilter): void {
    this.subscribers.set(session, filter);
  }

  unsubscribe(session: Session): void {
    this.subscribers.delete(session);
  }

  /** After each group commit, with the events it emitted. */
  committed(events: ReadonlyArray<Emitted>): void {
    for (const e of events) if (e.method === "message/received") this.messages++;
    if (this.subscribers.size === 0) return;
    for (const e of events) {
      const params = JSON.parse(e.paramsJson) as Record<string, unknown>;
      const eventId = params.eventId;
      if (typeof eventId === "string") {
        if (this.seenEventIds.has(eventId)) continue;
        this.seenEventIds.add(eventId);
        if (this.seenEventIds.size > SEEN_EVENT_IDS) {
          this.seenEventIds.delete(this.seenEventIds.values().next().value!);
        }
      }
      this.publish(describeEvent(e.method, params, e.recipients));
    }
  }

  presence(agentId: string, status: "online" | "offline"): void {
    if (this.subscribers.size === 0) return;
    this.publish({
      kind: status === "online" ? "agent.connected" : "agent.disconnected",
      summary: `${agentId} ${status === "online" ? "connected" : "left"}`,
      agentId,
    });
  }

  started(appId: string, method: string, params: unknown): void {
    if (this.subscribers.size === 0 || method !== "task/create") return;
    const task = (params as { task?: { id?: string; initiatorAgentId?: string; title?: string } }).task ?? {};
    this.publish({
      kind: "task.requested",
      summary: `task ${task.id}${task.title ? ` "${task.title}"` : ""} requested by ${task.initiatorAgentId}; asking ${appId}`,
      ...(task.id ? { taskId: task.id } : {}),
      ...(task.initiatorAgentId ? { agentId: task.initiatorAgentId } : {}),
      appId,
      method,
    });
  }

  settled(appId: string, method: string, outcome: CallbackOutcome<unknown>): void {
    if (this.subscribers.size === 0) return;
    const answer = outcome.ok ? (outcome.result as { verdict?: string; decision?: string; reason?: string }) : {};
    const verdict = answer.verdict ?? answer.decision;
    const result = outcome.ok
      ? `ok${verdict ? ` (${verdict}${answer.reason ? `: ${answer.reason}` : ""})` : ""}`
      : outcome.failure;
    this.publish({
      kind: "callback",
      summary: `${method} to ${appId}: ${result}`,
      appId,
      method,
      outcome: outcome.ok ? "ok" : outcome.failure,
      ...(answer.reason ? { reason: answer.reason } : {}),
    });
  }

  private publish(draft: Draft): void {
    const entry: FeedEntry = { seq: ++this.seq, at: nowIso(), ...draft };
    let frame: string | undefined;
    for (const [session, filter] of this.subscribers) {
      if (session.closed) {
        this.subscribers.delete(session);
        continue;
      }
      if (!matches(filter, draft)) continue;
      frame ??= JSON.stringify({ jsonrpc: "2.0", method: "admin/feed/event", params: entry });
      session.send(frame);
    }
  }
}
