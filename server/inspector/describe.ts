import type { FeedEntry, FeedKind } from "../../protocol/index.ts";

/** A feed entry before the feed numbers and stamps it. */
export type Draft = Omit<FeedEntry, "seq" | "at">;

const MAX_SUMMARY = 300;
const MAX_TEXT = 160;

export const clip = (text: string, max = MAX_SUMMARY): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A message's parts in a few words: its text, or what an intent, data, file or image part is. */
export const summarizeParts = (parts: unknown): string => {
  if (!Array.isArray(parts) || parts.length === 0) return "(no parts)";
  const bits = parts.map((raw) => {
    const p = obj(raw);
    switch (p.type) {
      case "text":
        return JSON.stringify(clip(oneLine(str(p.text) ?? ""), MAX_TEXT));
      case "intent": {
        const payload = obj(p.payload);
        const status = str(payload.status);
        const topic = str(payload.topic) ?? str(payload.title) ?? str(payload.question);
        return `intent ${str(p.intent) ?? "?"}${status ? ` (${status})` : ""}${topic ? ` "${clip(oneLine(topic), 60)}"` : ""}`;
      }
      case "data":
        return `data${str(p.mimeType) ? ` ${str(p.mimeType)}` : ""}`;
      case "file":
        return `file ${str(p.name) ?? ""}`.trim();
      case "image":
        return "image";
      default:
        return "part";
    }
  });
  return bits.join(" + ");
};

const pick = (kind: FeedKind, summary: string, ids: Partial<Draft>): Draft => {
  const out: Record<string, unknown> = { kind, summary: clip(summary) };
  for (const [k, v] of Object.entries(ids)) if (v !== undefined) out[k] = v;
  return out as Draft;
};

/**
 * What a committed event means to an operator, in one entry. The params are
 * the event's own (as logged), so nothing here reads storage: an entry names
 * only the ids its event carries.
 */
export const describeEvent = (method: string, params: Json, recipients: ReadonlyArray<string>): Draft => {
  const taskId = str(params.taskId);
  const conversationId = str(params.conversationId);
  switch (method) {
    case "task/created": {
      const task = obj(params.task);
      const participants = Array.isArray(params.participants) ? params.participants.length : 0;
      const title = str(task.title);
      return pick(
        "task.created",
        `task ${str(task.id)}${title ? ` "${oneLine(title)}"` : ""} accepted by ${str(task.appId)}, ${participants} participant${participants === 1 ? "" : "s"}`,
        { taskId: str(task.id), appId: str(task.appId), agentId: str(task.initiatorAgentId), method },
      );
    }
    case "task/failed":
      return pick("task.rejected", `task ${taskId} failed: ${str(params.reason)}`, {
        taskId,
        agentId: recipients[0],
        reason: str(params.reason),
        method,
      });
    case "task/closed": {
      const task = obj(params.task);
      return pick("task.closed", `task ${str(task.id)} closed`, {
        taskId: str(task.id),
        appId: str(task.appId),
        method,
      });
    }
    case "task/participants-added":
      return pick("task.participant-added", `${str(params.agentId)} joined task ${taskId}`, {
        taskId,
        agentId: str(params.agentId),
        method,
      });
    case "agent/conversation/created": {
      const conversation = obj(params.conversation);
      const name = str(conversation.name);
      const count = Array.isArray(params.participants) ? params.participants.length : 0;
      return pick(
        "conversation.created",
        `conversation ${str(conversation.id)}${name ? ` "${oneLine(name)}"` : ""} created in ${taskId} with ${count} participant${count === 1 ? "" : "s"}`,
        { taskId, conversationId: str(conversation.id), agentId: str(conversation.createdBy), method },
      );
    }
    case "agent/conversation/archived":
      return pick("conversation.archived", `conversation ${conversationId} archived`, {
        taskId,
        conversationId,
        method,
      });
    case "agent/conversation/unarchived":
      return pick("conversation.unarchived", `conversation ${conversationId} unarchived`, {
        taskId,
        conversationId,
        method,
      });
    case "agent/conversation/participants-added":
    case "agent/conversation/participants-removed": {
      const ids = Array.isArray(params.agentIds) ? (params.agentIds as unknown[]).map(String) : [];
      const verb = method.endsWith("added") ? "joined" : `left (${str(params.reason)})`;
      return pick("conversation.participants", `${ids.join(", ")} ${verb} conversation ${conversationId}`, {
        taskId,
        conversationId,
        agentId: ids.length === 1 ? ids[0] : undefined,
        method,
      });
    }
    case "message/received": {
      const message = obj(params.message);
      return pick(
        "message.sent",
        `${str(message.senderId)} in ${conversationId} #${String(message.seq)}: ${summarizeParts(message.parts)}`,
        { taskId, conversationId, agentId: str(message.senderId), messageId: str(message.id), method },
      );
    }
    case "message/retracted":
      return pick("message.retracted", `message ${str(params.messageId)} retracted in ${conversationId}`, {
        taskId,
        conversationId,
        messageId: str(params.messageId),
        method,
      });
  }
  const event = str(params.event);
  if (event !== undefined && str(params.eventId) !== undefined) {
    const resource = obj(params.resource);
    const actorApp = str(params.actorAppId);
    const actorAgent = str(params.actorAgentId);
    const by = actorAgent ?? actorApp ?? str(params.actorUserId);
    return pick("action", `${event} ${str(resource.type)} ${str(resource.id)} by ${by}`, {
      agentId: actorAgent,
      appId: actorApp,
      method,
    });
  }
  return pick("event", `${method} to ${recipients.length} recipient${recipients.length === 1 ? "" : "s"}`, {
    appId: recipients.find((r) => r.startsWith("app_")),
    method,
  });
};
