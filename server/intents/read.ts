import {
  decodeIntentPayload,
  prefixIssues,
  type AnyIntent,
  type IntentPart,
  type Part,
  type Raise,
} from "../../protocol/index.ts";

/** The intent part of a message, its payload decoded. */
export interface SentIntent {
  /** The index of the intent part among the message's parts, for issue paths. */
  readonly index: number;
  readonly intent: AnyIntent;
  readonly correlationId: string | undefined;
}

/**
 * The stateless half of the intent rules (section 8): at most one intent
 * part per message, and its payload valid against its intent's strict
 * schema. Issues name paths from the params: `["parts", i, "payload", ...]`.
 */
export const readIntent = (parts: ReadonlyArray<Part>, raise: Raise<"InvalidParams">): SentIntent | undefined => {
  const indexes = parts.flatMap((part, i) => (part.type === "intent" ? [i] : []));
  if (indexes.length === 0) return undefined;
  if (indexes.length > 1) {
    return raise(
      "InvalidParams",
      {
        issues: indexes.slice(1).map((i) => ({
          path: ["parts", i],
          message: "a message carries at most one intent part; send the other intents as messages of their own",
        })),
      },
      "A message carries at most one intent part; data.issues names the extra ones.",
    );
  }
  const index = indexes[0]!;
  const part = parts[index] as IntentPart;
  const decoded = decodeIntentPayload(part.intent, part.payload);
  if (!decoded.ok) {
    return raise(
      "InvalidParams",
      { issues: prefixIssues(["parts", index, "payload"], decoded.issues) },
      `The ${part.intent} payload does not match its schema (see intents/schemas); data.issues names each offending path.`,
    );
  }
  return {
    index,
    intent: { intent: part.intent, payload: decoded.value } as AnyIntent,
    correlationId: part.correlationId,
  };
};
