import { Schema, SchemaAST } from "effect";
import { maxLength, minLength } from "./length.ts";
import { ConversationId, MessageId, TaskId, Timestamp } from "./shapes.ts";
import { IntentName, intentNames } from "./intents/names.ts";
import { intentPayloads } from "./intents/payloads.ts";
import { HttpUrl } from "./url.ts";

export { HttpUrl };

/**
 * Any JSON value, but present: effect lets a missing key through where the
 * type is unknown, while the contract requires `data` and `payload`.
 */
const RequiredJson = Schema.Unknown.pipe(Schema.filter((v) => v !== undefined, { message: () => "is missing" }));

const MimeType = Schema.String.pipe(minLength(1), maxLength(255));

export const TextPart = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String.pipe(minLength(1), maxLength(32768)),
}).annotations({ identifier: "TextPart" });

export const DataPart = Schema.Struct({
  type: Schema.Literal("data"),
  data: RequiredJson,
  mimeType: Schema.optional(MimeType),
}).annotations({ identifier: "DataPart" });

export const FilePart = Schema.Struct({
  type: Schema.Literal("file"),
  url: HttpUrl,
  name: Schema.String.pipe(minLength(1), maxLength(1024)),
  mimeType: Schema.optional(MimeType),
  size: Schema.optional(Schema.NonNegativeInt),
}).annotations({ identifier: "FilePart" });

export const ImagePart = Schema.Struct({
  type: Schema.Literal("image"),
  url: HttpUrl,
  altText: Schema.optional(Schema.String.pipe(maxLength(4000))),
}).annotations({ identifier: "ImagePart" });

export const CorrelationId = Schema.String.pipe(minLength(1), maxLength(100)).annotations({
  identifier: "CorrelationId",
});

/** What an intent part is once its payload has passed the second step: one variant per intent. */
const TypedIntentPart = Schema.Union(
  ...intentNames.map((intent) =>
    Schema.Struct({
      type: Schema.Literal("intent"),
      intent: Schema.Literal(intent),
      payload: intentPayloads[intent],
      correlationId: Schema.optional(CorrelationId),
    }).annotations({ identifier: `IntentPart.${intent}` }),
  ),
);

/**
 * The envelope of an intent part. The payload is checked against the
 * intent's own strict schema in a second step (section 8), so that its
 * issues name paths inside the payload rather than a fifteen-way union.
 * Its JSON Schema (rpc.discover) is the typed union, keyed by intent.
 */
export const IntentPart = Schema.Struct({
  type: Schema.Literal("intent"),
  intent: IntentName,
  payload: RequiredJson,
  correlationId: Schema.optional(CorrelationId),
}).annotations({ identifier: "IntentPart", [SchemaAST.SurrogateAnnotationId]: TypedIntentPart.ast });

export type IntentPart = typeof IntentPart.Type;

export const Part = Schema.Union(TextPart, DataPart, FilePart, ImagePart, IntentPart).annotations({
  identifier: "Part",
});
export type Part = typeof Part.Type;

/** 1 to 10 parts per message; their JSON may total 64 KiB (checked by the hub after decoding). */
export const Parts = Schema.Array(Part).pipe(Schema.minItems(1), Schema.maxItems(10));
export const MAX_PARTS_JSON_BYTES = 64 * 1024;

export const Message = Schema.Struct({
  id: MessageId,
  taskId: TaskId,
  conversationId: ConversationId,
  seq: Schema.Int,
  senderId: Schema.String,
  parts: Schema.Array(Part),
  replyToId: Schema.optional(MessageId),
  correlationId: Schema.optional(Schema.String),
  createdAt: Timestamp,
  retractedAt: Schema.optional(Timestamp),
}).annotations({ identifier: "Message" });
export type Message = typeof Message.Type;
