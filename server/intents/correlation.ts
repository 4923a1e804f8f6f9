import {
  isRequestIntent,
  isResponseIntent,
  requestOf,
  type IntentPart,
  type IntentPayload,
  type Message,
  type Raise,
} from "../../protocol/index.ts";
import type { Storage } from "../../storage/index.ts";
import type { SentIntent } from "./read.ts";
import type { Sending } from "./rules.ts";

/**
 * Request/response pairing (section 8). A request is stored with its
 * correlationId: the sender's, or else the message's own id. A response
 * must carry the correlationId of an earlier request of its pair type in
 * the same conversation, not retracted; it may be one of several. One-way
 * intents keep a correlationId the sender gives, unchecked, to thread them
 * into an exchange. Returns the correlationId to store.
 */
export const correlate = async (
  storage: Storage,
  sending: Sending,
  sent: SentIntent,
  raise: Raise<"CorrelationNotFound" | "InvalidParams">,
): Promise<string | undefined> => {
  const { intent } = sent.intent;
  if (isRequestIntent(intent)) return sent.correlationId ?? sending.messageId;
  if (!isResponseIntent(intent)) return sent.correlationId;
  const requestIntent = requestOf[intent];
  if (sent.correlationId === undefined) {
    return raise(
      "CorrelationNotFound",
      {},
      `A ${intent} must carry the correlationId of the ${requestIntent} it answers (parts[${sent.index}].correlationId).`,
    );
  }
  const request = await storage.messages.latestRequest(sending.conversation.pk, sent.correlationId, requestIntent);
  if (!request) {
    return raise(
      "CorrelationNotFound",
      {},
      `No ${requestIntent} with correlationId ${JSON.stringify(sent.correlationId)} in this conversation, or it was retracted; pass the correlationId of the ${requestIntent} this ${intent} answers.`,
    );
  }
  if (sent.intent.intent === "ask_response") checkChoice(request.message, sent.intent.payload, sent.index, raise);
  return sent.correlationId;
};

/** `ask_response.choiceIndex` must index the choices of the ask it answers. */
const checkChoice = (
  ask: Message,
  answer: IntentPayload<"ask_response">,
  index: number,
  raise: Raise<"InvalidParams">,
): void => {
  if (answer.choiceIndex === undefined) return;
  const part = ask.parts.find((p): p is IntentPart => p.type === "intent" && p.intent === "ask");
  // Stored intent payloads passed their schema when they were sent.
  const count = ((part?.payload as IntentPayload<"ask"> | undefined)?.choices ?? []).length;
  if (answer.choiceIndex < count) return;
  raise(
    "InvalidParams",
    {
      issues: [
        {
          path: ["parts", index, "payload", "choiceIndex"],
          message:
            count === 0
              ? "the ask being answered offered no choices; leave choiceIndex out"
              : `must index the asked choices: an integer from 0 to ${count - 1}`,
        },
      ],
    },
    "ask_response.choiceIndex does not index the asked choices; data.issues says which are valid.",
  );
};
