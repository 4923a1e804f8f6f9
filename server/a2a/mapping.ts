import { Schema } from "effect";
import { A2a, Parts, toIssues, type Message as HubMessage, type Part as HubPart } from "../../protocol/index.ts";

/**
 * The mapping between Switchboard conversations and A2A objects
 * (docs/A2A.md has the table). Pure functions: no storage, no I/O.
 *
 * - A2A task = the Switchboard task the edge opened; contextId = its one
 *   conversation. A2A messages are that conversation's messages, in seq order.
 * - The task's state follows from the last message: the caller's puts it in
 *   SUBMITTED; the agent's puts it in the state its status part names, or
 *   INPUT_REQUIRED when it names none (the agent answered; the turn is the
 *   caller's). Cancelling, and a terminal status part, end the task.
 */

/** The data part's media type by which an agent sets the A2A task state; the part is not shown to the caller. */
export const STATUS_MEDIA_TYPE = "application/vnd.switchboard.a2a-status+json";
/** Media type of an intent part as the caller sees it (a data part). */
export const INTENT_MEDIA_TYPE = "application/vnd.switchboard.intent+json";
/** The extension that declares `metadata.seq` on every event and replay after `Last-Event-ID`. */
export const SEQ_EXTENSION_URI = "urn:switchboard:a2a:seq:v1";

const statusNames = {
  submitted: "TASK_STATE_SUBMITTED",
  working: "TASK_STATE_WORKING",
  "input-required": "TASK_STATE_INPUT_REQUIRED",
  "auth-required": "TASK_STATE_AUTH_REQUIRED",
  completed: "TASK_STATE_COMPLETED",
  failed: "TASK_STATE_FAILED",
  rejected: "TASK_STATE_REJECTED",
} as const satisfies Record<string, A2a.TaskState>;

export type AgentStatus = keyof typeof statusNames;
export const agentStatuses = Object.keys(statusNames) as AgentStatus[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const statusPart = (p: HubPart): AgentStatus | undefined => {
  if (p.type !== "data" || p.mimeType !== STATUS_MEDIA_TYPE || !isRecord(p.data)) return undefined;
  const state = p.data.state;
  return typeof state === "string" && state in statusNames ? (state as AgentStatus) : undefined;
};

/** The state a message leaves the task in, when the caller is `clientId`. */
export const stateAfter = (m: HubMessage, clientId: string): A2a.TaskState => {
  if (m.senderId === clientId) return "TASK_STATE_SUBMITTED";
  for (const p of m.parts) {
    const s = statusPart(p);
    if (s !== undefined) return statusNames[s];
  }
  return "TASK_STATE_INPUT_REQUIRED";
};

const outPart = (p: HubPart): A2a.OutPart => {
  switch (p.type) {
    case "text":
      return { text: p.text };
    case "data":
      return { data: p.data, ...(p.mimeType !== undefined ? { mediaType: p.mimeType } : {}) };
    case "file":
      return { url: p.url, filename: p.name, ...(p.mimeType !== undefined ? { mediaType: p.mimeType } : {}) };
    case "image":
      return { url: p.url, ...(p.altText !== undefined ? { filename: p.altText } : {}) };
    case "intent":
      return {
        data: { intent: p.intent, payload: p.payload, ...(p.correlationId ? { correlationId: p.correlationId } : {}) },
        mediaType: INTENT_MEDIA_TYPE,
      };
  }
};

/**
 * A conversation message as an A2A Message, or undefined when nothing is
 * left to show (a status part alone, or a retracted message). The caller's
 * messages keep the messageId it chose.
 */
export const toA2aMessage = (m: HubMessage, clientId: string, clientMessageId?: string): A2a.OutMessage | undefined => {
  const parts = m.parts.filter((p) => statusPart(p) === undefined).map(outPart);
  if (parts.length === 0) return undefined;
  const mine = m.senderId === clientId;
  return {
    messageId: mine && clientMessageId !== undefined ? clientMessageId : m.id,
    contextId: m.conversationId,
    taskId: m.taskId,
    role: mine ? "ROLE_USER" : "ROLE_AGENT",
    parts,
    metadata: { seq: m.seq, senderId: m.senderId },
  };
};

/** Why an A2A part cannot become a Switchboard part. */
export type PartRefusal = { readonly index: number; readonly reason: "raw" | "invalid"; readonly message: string };

const decodeParts = Schema.decodeUnknownEither(Parts, { errors: "all", onExcessProperty: "error" });

/** The caller's parts as Switchboard parts (text, data, file). */
export const fromA2aParts = (
  parts: ReadonlyArray<A2a.Part>,
): { ok: true; parts: HubPart[] } | { ok: false; refusal: PartRefusal } => {
  const out: unknown[] = [];
  for (const [index, p] of parts.entries()) {
    if (p.raw !== undefined) {
      return {
        ok: false,
        refusal: {
          index,
          reason: "raw",
          message: "inline bytes (raw) are not accepted; host the content and send a url part",
        },
      };
    }
    if (p.text !== undefined) out.push({ type: "text", text: p.text });
    else if (p.url !== undefined) {
      const name = p.filename || decodeURIComponent(p.url.split(/[?#]/)[0]!.split("/").pop() ?? "") || "file";
      out.push({ type: "file", url: p.url, name, ...(p.mediaType ? { mimeType: p.mediaType } : {}) });
    } else out.push({ type: "data", data: p.data, ...(p.mediaType ? { mimeType: p.mediaType } : {}) });
  }
  const decoded = decodeParts(out);
  if (decoded._tag === "Right") return { ok: true, parts: [...decoded.right] };
  const issue = toIssues(decoded.left)[0];
  const index = typeof issue?.path[0] === "number" ? issue.path[0] : 0;
  return { ok: false, refusal: { index, reason: "invalid", message: issue?.message ?? "not a valid part" } };
};
