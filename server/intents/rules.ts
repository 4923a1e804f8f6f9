import { agentIdOfDid, type AnyIntent, type MessageId, type Raise } from "../../protocol/index.ts";
import type { ConversationPlace, Storage } from "../../storage/index.ts";
import { correlate } from "./correlation.ts";
import { requireNegotiated } from "./negotiation.ts";
import type { SentIntent } from "./read.ts";

/** The message being sent, as far as the intent rules care. */
export interface Sending {
  readonly conversation: ConversationPlace;
  readonly senderId: string;
  readonly messageId: string;
}

/** What the rules decide about the message. */
export interface IntentOutcome {
  /** The correlation id to store on the message. */
  readonly correlationId: string | undefined;
  /** For a retract: the message to retract in the same transaction. */
  readonly retractTarget: MessageId | undefined;
}

export type IntentRaise = Raise<
  | "InvalidParams"
  | "AgentNotFound"
  | "IntentNotDeclared"
  | "IntentNotSupported"
  | "CorrelationNotFound"
  | "MessageNotFound"
  | "Forbidden"
>;

/**
 * The intent rules that need stored state (section 8), in order: DIDs name
 * agents, cards, correlation (and choiceIndex), referenced messages, and
 * who may retract. `messages/send` runs them before the app's hook and again
 * in its write job, since the state may change while the hook is out.
 */
export const checkIntent = async (
  storage: Storage,
  sending: Sending,
  sent: SentIntent,
  raise: IntentRaise,
): Promise<IntentOutcome> => {
  await requireDids(storage, didsOf(sent.intent), raise);
  await requireNegotiated(storage, sending, sent.intent.intent, raise);
  const correlationId = await correlate(storage, sending, sent, raise);
  const retractTarget = await checkReferences(storage, sending, sent.intent, raise);
  return { correlationId, retractTarget };
};

const didsOf = (sent: AnyIntent): ReadonlyArray<string> => {
  switch (sent.intent) {
    case "connection_request":
      return sent.payload.introducedBy === undefined ? [] : [sent.payload.introducedBy];
    case "intro_request":
      return [sent.payload.target];
    case "multi_party_sync":
      return sent.payload.participants;
    default:
      return [];
  }
};

/** Well-formed DIDs must name agents; AgentNotFound lists the others as given (10.16). */
const requireDids = async (
  storage: Storage,
  dids: ReadonlyArray<string>,
  raise: Raise<"AgentNotFound">,
): Promise<void> => {
  if (dids.length === 0) return;
  const missing = new Set(await storage.agents.missing(dids.map(agentIdOfDid)));
  if (missing.size === 0) return;
  const unknown = [...new Set(dids)].filter((did) => missing.has(agentIdOfDid(did)));
  raise(
    "AgentNotFound",
    { agentIds: unknown },
    `No agent has the DID ${unknown.join(", ")}; use the did of an agent listed by agent/agents/list.`,
  );
};

/** follow_up and retract name a message of the same conversation; only its sender may retract it. */
const checkReferences = async (
  storage: Storage,
  sending: Sending,
  sent: AnyIntent,
  raise: Raise<"MessageNotFound" | "Forbidden">,
): Promise<MessageId | undefined> => {
  const pk = sending.conversation.pk;
  if (sent.intent === "follow_up") {
    if (!(await storage.messages.isIn(sent.payload.referenceId, pk))) {
      raise("MessageNotFound", {}, "follow_up.referenceId names no message of this conversation.");
    }
    return undefined;
  }
  if (sent.intent !== "retract") return undefined;
  const target = await storage.messages.get(sent.payload.targetMessageId);
  if (!target || target.conversationPk !== pk) {
    return raise("MessageNotFound", {}, "retract.targetMessageId names no message of this conversation.");
  }
  if (target.message.senderId !== sending.senderId) {
    return raise("Forbidden", { reason: "not_sender" }, "Only the sender of a message may retract it.");
  }
  return target.message.id;
};
