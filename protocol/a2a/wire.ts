import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";

/**
 * The A2A 1.0 wire types the hub accepts and produces, in their JSON form
 * (specification/a2a.proto of a2aproject/A2A v1.0.0, camelCase field names,
 * enums as their ProtoJSON names). Only what the A2A edge uses is declared.
 * Accepted objects are decoded strictly like every other object the hub
 * accepts: a field the proto does not have is InvalidParams naming it.
 */

const opt = Schema.optional;
/** google.protobuf.Struct */
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown });
const Text = (max: number) => Schema.String.pipe(maxLength(max));
const NonEmpty = (max: number) => Schema.String.pipe(minLength(1), maxLength(max));
const Int32 = Schema.Int.pipe(Schema.between(0, 2_147_483_647));

export const Role = Schema.Literal("ROLE_USER", "ROLE_AGENT");
export type Role = typeof Role.Type;

export const TaskState = Schema.Literal(
  "TASK_STATE_SUBMITTED",
  "TASK_STATE_WORKING",
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_REJECTED",
  "TASK_STATE_AUTH_REQUIRED",
);
export type TaskState = typeof TaskState.Type;

/** Terminal states accept no more messages and end every stream (3.1.2). */
export const terminalStates: ReadonlySet<TaskState> = new Set([
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_REJECTED",
]);
/** Interrupted states end a blocking SendMessage (3.2.2) but not the task. */
export const interruptedStates: ReadonlySet<TaskState> = new Set([
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_AUTH_REQUIRED",
]);

/** A Part: exactly one of text, raw (base64), url and data. */
export const Part = Schema.Struct({
  text: opt(Text(32_768)),
  raw: opt(Schema.String),
  url: opt(NonEmpty(2_048)),
  data: opt(Schema.Unknown),
  metadata: opt(JsonObject),
  filename: opt(Text(255)),
  mediaType: opt(Text(255)),
}).pipe(
  Schema.filter(
    (p) =>
      [p.text, p.raw, p.url, p.data].filter((v) => v !== undefined).length === 1 ||
      "a part holds exactly one of text, raw, url and data",
  ),
);
export type Part = typeof Part.Type;

export const Message = Schema.Struct({
  messageId: NonEmpty(64).annotations({
    description: "Unique per sender; the hub keeps the first message with an id and answers repeats with it.",
  }),
  contextId: opt(NonEmpty(100)),
  taskId: opt(NonEmpty(100)),
  role: Role,
  parts: Schema.Array(Part).pipe(Schema.minItems(1), Schema.maxItems(10)),
  metadata: opt(JsonObject),
  extensions: opt(Schema.Array(Schema.String)),
  referenceTaskIds: opt(Schema.Array(Schema.String)),
});
export type Message = typeof Message.Type;

export const AuthenticationInfo = Schema.Struct({ scheme: Schema.String, credentials: opt(Schema.String) });

export const TaskPushNotificationConfig = Schema.Struct({
  tenant: opt(Schema.String),
  id: opt(Schema.String),
  taskId: opt(Schema.String),
  url: Schema.String,
  token: opt(Schema.String),
  authentication: opt(AuthenticationInfo),
});

export const SendMessageConfiguration = Schema.Struct({
  acceptedOutputModes: opt(Schema.Array(Schema.String)),
  taskPushNotificationConfig: opt(TaskPushNotificationConfig),
  historyLength: opt(Int32),
  returnImmediately: opt(Schema.Boolean),
});

export const SendMessageRequest = Schema.Struct({
  tenant: opt(Schema.String),
  message: Message,
  configuration: opt(SendMessageConfiguration),
  metadata: opt(JsonObject),
});
export type SendMessageRequest = typeof SendMessageRequest.Type;

export const GetTaskRequest = Schema.Struct({
  tenant: opt(Schema.String),
  id: NonEmpty(100),
  historyLength: opt(Int32),
});

export const ListTasksRequest = Schema.Struct({
  tenant: opt(Schema.String),
  contextId: opt(Schema.String),
  status: opt(Schema.Union(TaskState, Schema.Literal("TASK_STATE_UNSPECIFIED"))),
  pageSize: opt(Int32),
  pageToken: opt(Schema.String),
  historyLength: opt(Int32),
  statusTimestampAfter: opt(Schema.String),
  includeArtifacts: opt(Schema.Boolean),
});

export const CancelTaskRequest = Schema.Struct({
  tenant: opt(Schema.String),
  id: NonEmpty(100),
  metadata: opt(JsonObject),
});

export const SubscribeToTaskRequest = Schema.Struct({ tenant: opt(Schema.String), id: NonEmpty(100) });

export const TaskPushNotificationConfigRequest = Schema.Struct({
  tenant: opt(Schema.String),
  taskId: Schema.String,
  id: Schema.String,
});

export const ListTaskPushNotificationConfigsRequest = Schema.Struct({
  tenant: opt(Schema.String),
  taskId: Schema.String,
  pageSize: opt(Int32),
  pageToken: opt(Schema.String),
});

export const GetExtendedAgentCardRequest = Schema.Struct({ tenant: opt(Schema.String) });

/* Produced: what the hub sends. Declared for their types and for the docs. */

export const OutPart = Schema.Struct({
  text: opt(Schema.String),
  url: opt(Schema.String),
  data: opt(Schema.Unknown),
  filename: opt(Schema.String),
  mediaType: opt(Schema.String),
});
export type OutPart = typeof OutPart.Type;

export const OutMessage = Schema.Struct({
  messageId: Schema.String,
  contextId: Schema.String,
  taskId: Schema.String,
  role: Role,
  parts: Schema.Array(OutPart),
  metadata: JsonObject,
});
export type OutMessage = typeof OutMessage.Type;

export const TaskStatus = Schema.Struct({
  state: TaskState,
  message: opt(OutMessage),
  timestamp: Schema.String,
});
export type TaskStatus = typeof TaskStatus.Type;

export const Task = Schema.Struct({
  id: Schema.String,
  contextId: Schema.String,
  status: TaskStatus,
  history: opt(Schema.Array(OutMessage)),
  metadata: JsonObject,
});
export type Task = typeof Task.Type;

export const TaskStatusUpdateEvent = Schema.Struct({
  taskId: Schema.String,
  contextId: Schema.String,
  status: TaskStatus,
  metadata: JsonObject,
});
export type TaskStatusUpdateEvent = typeof TaskStatusUpdateEvent.Type;

/** One event of a stream: exactly one member (3.2.3). */
export const StreamResponse = Schema.Union(
  Schema.Struct({ task: Task }),
  Schema.Struct({ message: OutMessage }),
  Schema.Struct({ statusUpdate: TaskStatusUpdateEvent }),
);
export type StreamResponse = typeof StreamResponse.Type;

export const AgentSkill = Schema.Struct({
  id: NonEmpty(64),
  name: NonEmpty(100),
  description: NonEmpty(4_000),
  tags: Schema.Array(NonEmpty(64)).pipe(Schema.minItems(1), Schema.maxItems(20)),
  examples: opt(Schema.Array(NonEmpty(4_000)).pipe(Schema.maxItems(10))),
  inputModes: opt(Schema.Array(NonEmpty(255)).pipe(Schema.maxItems(20))),
  outputModes: opt(Schema.Array(NonEmpty(255)).pipe(Schema.maxItems(20))),
});
export type AgentSkill = typeof AgentSkill.Type;

export const AgentInterface = Schema.Struct({
  url: Schema.String,
  protocolBinding: Schema.String,
  tenant: opt(Schema.String),
  protocolVersion: Schema.String,
});

export const AgentCard = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  supportedInterfaces: Schema.Array(AgentInterface),
  provider: opt(Schema.Struct({ url: Schema.String, organization: Schema.String })),
  version: Schema.String,
  documentationUrl: opt(Schema.String),
  capabilities: Schema.Struct({
    streaming: Schema.Boolean,
    pushNotifications: Schema.Boolean,
    extendedAgentCard: Schema.Boolean,
    extensions: opt(
      Schema.Array(Schema.Struct({ uri: Schema.String, description: Schema.String, required: Schema.Boolean })),
    ),
  }),
  securitySchemes: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      httpAuthSecurityScheme: Schema.Struct({
        description: Schema.String,
        scheme: Schema.String,
        bearerFormat: Schema.String,
      }),
    }),
  }),
  securityRequirements: Schema.Array(
    Schema.Struct({
      schemes: Schema.Record({ key: Schema.String, value: Schema.Struct({ list: Schema.Array(Schema.String) }) }),
    }),
  ),
  defaultInputModes: Schema.Array(Schema.String),
  defaultOutputModes: Schema.Array(Schema.String),
  skills: Schema.Array(AgentSkill),
  iconUrl: opt(Schema.String),
});
export type AgentCard = typeof AgentCard.Type;
