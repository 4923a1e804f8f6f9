import type { IntentName, Raise } from "../../protocol/index.ts";
import type { Storage } from "../../storage/index.ts";
import type { Sending } from "./rules.ts";

/**
 * Agent cards (section 8): the sender's card must list the intent in
 * intentsSent, and every recipient's card in intentsAccepted. The
 * recipients are the other participants of the conversation. An agent
 * without a card sends and accepts every intent.
 */
export const requireNegotiated = async (
  storage: Storage,
  sending: Sending,
  intent: IntentName,
  raise: Raise<"IntentNotDeclared" | "IntentNotSupported">,
): Promise<void> => {
  const recipients = (await storage.conversations.participants(sending.conversation.pk)).filter(
    (a) => a !== sending.senderId,
  );
  const cards = await storage.agents.cards([sending.senderId, ...recipients]);
  const mine = cards.get(sending.senderId);
  if (mine && !mine.capabilities.intentsSent.includes(intent)) {
    raise(
      "IntentNotDeclared",
      {},
      `Your agent card does not list "${intent}" in capabilities.intentsSent; add it with agent/card/update.`,
    );
  }
  const refusing = recipients.filter((agentId) => {
    const card = cards.get(agentId);
    return card != null && !card.capabilities.intentsAccepted.includes(intent);
  });
  if (refusing.length > 0) {
    raise(
      "IntentNotSupported",
      { agentIds: refusing },
      `The cards of ${refusing.join(", ")} do not list "${intent}" in capabilities.intentsAccepted; nothing was sent.`,
    );
  }
};
