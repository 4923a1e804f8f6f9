import {
  responseOf,
  type IntentName,
  type IntentPayload,
  type IntentPayloadInput,
  type Message,
  type RequestIntent,
} from "../protocol/index.ts";
import type { SwitchboardClient } from "./client.ts";
import type { ParamsInput } from "./types.ts";

/** Typed helpers for intents (section 8): send them, answer them, and handle them by name. */

export type { IntentName, IntentPayload, IntentPayloadInput, RequestIntent };

/** The conversation a message goes to; a received Message is one too. */
export interface ConversationRef {
  readonly taskId: string;
  readonly conversationId: string;
}

export interface SendIntentOptions {
  /**
   * For a request, the exchange's id (the message id when omitted); for a
   * response, the correlationId of the request it answers.
   */
  readonly correlationId?: string;
  readonly replyToId?: string;
  readonly clientMessageId?: string;
  /** Other parts to send along with the intent (text, data, ...). */
  readonly parts?: ParamsInput<"messages/send">["parts"];
}

/** Send one intent; resolves with the stored message, whose correlationId threads the exchange. */
export const sendIntent = async <N extends IntentName>(
  client: SwitchboardClient,
  to: ConversationRef,
  intent: N,
  payload: IntentPayloadInput<N>,
  options: SendIntentOptions = {},
): Promise<Message> => {
  const { message } = await client.call("messages/send", {
    taskId: to.taskId,
    conversationId: to.conversationId,
    parts: [
      ...(options.parts ?? []),
      {
        type: "intent",
        intent,
        payload,
        ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
      },
    ],
    ...(options.replyToId !== undefined ? { replyToId: options.replyToId } : {}),
    ...(options.clientMessageId !== undefined ? { clientMessageId: options.clientMessageId } : {}),
  });
  return message;
};

/** An intent found in a message, typed by its name. */
export type ReceivedIntent<N extends IntentName = IntentName> = {
  [K in N]: {
    readonly intent: K;
    readonly payload: IntentPayload<K>;
    /** The exchange it belongs to: the message's correlationId. */
    readonly correlationId: string | undefined;
    readonly message: Message;
  };
}[N];

/** The intent a message carries, if any. The hub checked the payload against its schema before storing it. */
export const intentOf = (message: Message): ReceivedIntent | undefined => {
  const part = message.parts.find((p) => p.type === "intent");
  if (part?.type !== "intent") return undefined;
  return {
    intent: part.intent,
    payload: part.payload,
    correlationId: message.correlationId ?? part.correlationId,
    message,
  } as ReceivedIntent;
};

/** The response intent that answers request `R`. */
export type ResponseTo<R extends RequestIntent> = (typeof responseOf)[R];

/** Answer a request with its pair response, in its conversation, carrying its correlationId. */
export const respond = <R extends RequestIntent>(
  client: SwitchboardClient,
  request: ReceivedIntent<R>,
  payload: IntentPayloadInput<ResponseTo<R>>,
  options: Omit<SendIntentOptions, "correlationId"> = {},
): Promise<Message> =>
  sendIntent(client, request.message, responseOf[request.intent] as ResponseTo<R>, payload, {
    replyToId: request.message.id,
    ...options,
    correlationId: request.correlationId ?? request.message.id,
  });

export type IntentHandler<N extends IntentName> = (received: ReceivedIntent<N>) => void;
export type IntentHandlers = { readonly [N in IntentName]?: IntentHandler<N> };

/** Handle received messages carrying one intent; returns a function that removes the handler. */
export const onIntent = <N extends IntentName>(
  client: SwitchboardClient,
  intent: N,
  handler: IntentHandler<N>,
): (() => void) => onIntents(client, { [intent]: handler } as IntentHandlers);

/** Handle received intents with one typed handler per intent name. */
export const onIntents = (client: SwitchboardClient, handlers: IntentHandlers): (() => void) =>
  client.on("message/received", ({ message }) => {
    const received = intentOf(message);
    if (received) (handlers[received.intent] as IntentHandler<IntentName> | undefined)?.(received);
  });

/** The next received message carrying that intent (and matching `filter`). */
export const nextIntent = <N extends IntentName>(
  client: SwitchboardClient,
  intent: N,
  filter: (received: ReceivedIntent<N>) => boolean = () => true,
  timeoutMs?: number,
): Promise<ReceivedIntent<N>> =>
  client
    .once(
      "message/received",
      ({ message }) => {
        const received = intentOf(message);
        return received?.intent === intent && filter(received as ReceivedIntent<N>);
      },
      timeoutMs,
    )
    .then(({ message }) => intentOf(message) as ReceivedIntent<N>);
