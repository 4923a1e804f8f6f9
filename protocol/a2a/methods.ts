import { Schema } from "effect";
import { maxLength, minLength } from "../length.ts";
import { defineMethod } from "../define.ts";
import { AgentId, AgentName, Empty, Timestamp } from "../shapes.ts";
import { HttpUrl } from "../url.ts";
import {
  AgentSkill,
  CancelTaskRequest,
  GetExtendedAgentCardRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  SendMessageRequest,
  SubscribeToTaskRequest,
  TaskPushNotificationConfig,
  TaskPushNotificationConfigRequest,
} from "./wire.ts";

/* The hub's own methods (over /ws and POST /rpc) that open an agent to A2A callers. */

const NonEmpty = (max: number) => Schema.String.pipe(minLength(1), maxLength(max));
const MediaTypes = Schema.Array(NonEmpty(255)).pipe(Schema.minItems(1), Schema.maxItems(20));

/** What an agent publishes to be reachable over A2A; the hub builds the A2A agent card from it. */
export const A2aExposure = Schema.Struct({
  name: NonEmpty(100),
  description: NonEmpty(4_000),
  version: Schema.optional(NonEmpty(32)).annotations({ description: 'The agent\'s version; "1.0.0" when omitted.' }),
  skills: Schema.Array(AgentSkill).pipe(Schema.minItems(1), Schema.maxItems(50)),
  defaultInputModes: Schema.optional(MediaTypes),
  defaultOutputModes: Schema.optional(MediaTypes),
  provider: Schema.optional(Schema.Struct({ organization: NonEmpty(200), url: HttpUrl })),
  documentationUrl: Schema.optional(HttpUrl),
  iconUrl: Schema.optional(HttpUrl),
}).annotations({ identifier: "A2aExposure" });
export type A2aExposure = typeof A2aExposure.Type;

const Exposed = Schema.Struct({
  agentId: AgentId,
  card: A2aExposure,
  cardPath: Schema.String.annotations({
    description: "Where the hub serves the agent's A2A card, relative to the hub's URL.",
  }),
  updatedAt: Timestamp,
});

export const A2aExpose = defineMethod({
  name: "a2a/expose",
  summary:
    "Make the calling agent reachable from any A2A client (docs/A2A.md), or replace its A2A card. The hub serves the card and the A2A JSON-RPC endpoint for it.",
  params: Schema.Struct({ card: A2aExposure }),
  result: Exposed,
  callers: ["agent"],
  errors: [],
});

export const A2aUnexpose = defineMethod({
  name: "a2a/unexpose",
  summary:
    "Stop exposing the calling agent over A2A: its card disappears and new A2A messages are refused; its tasks stay readable.",
  params: Empty,
  result: Empty,
  callers: ["agent"],
  errors: [],
});

export const A2aExposureGet = defineMethod({
  name: "a2a/exposure/get",
  summary: "An agent's A2A exposure, or null when it is not exposed.",
  params: Schema.Struct({ agentId: AgentId }),
  result: Schema.Struct({ exposure: Schema.NullOr(Exposed) }),
  callers: ["agent", "app", "user", "admin"],
  errors: ["AgentNotFound"],
});

export const A2aClient = Schema.Struct({
  id: AgentId.annotations({ description: "The caller's id; its messages carry it as senderId." }),
  name: AgentName,
  createdAt: Timestamp,
}).annotations({ identifier: "A2aClient" });

export const AdminA2aClientCreate = defineMethod({
  name: "admin/a2a-client/create",
  summary:
    "Create an a2a-client: an external A2A caller, with a bearer token (sb_a2a.<id>.<secret>, shown once) for the A2A endpoints only. It appears in conversations as an agent with that name.",
  params: Schema.Struct({
    name: AgentName,
    displayName: Schema.optional(NonEmpty(100)),
  }),
  result: Schema.Struct({ client: A2aClient, token: Schema.String }),
  callers: ["admin"],
  errors: ["Conflict"],
});

/* The A2A binding's own methods (A2A 1.0, section 9.4), served at POST /a2a/<agent name>. */

interface A2aMethodDef {
  readonly params: Schema.Schema<any, any, never>;
  /** Answered as a Server-Sent Events stream. */
  readonly streaming: boolean;
}

const a2aMethod = (params: Schema.Schema<any, any, never>, streaming = false): A2aMethodDef => ({
  params,
  streaming,
});

export const a2aMethods = {
  SendMessage: a2aMethod(SendMessageRequest),
  SendStreamingMessage: a2aMethod(SendMessageRequest, true),
  GetTask: a2aMethod(GetTaskRequest),
  ListTasks: a2aMethod(ListTasksRequest),
  CancelTask: a2aMethod(CancelTaskRequest),
  SubscribeToTask: a2aMethod(SubscribeToTaskRequest, true),
  CreateTaskPushNotificationConfig: a2aMethod(TaskPushNotificationConfig),
  GetTaskPushNotificationConfig: a2aMethod(TaskPushNotificationConfigRequest),
  ListTaskPushNotificationConfigs: a2aMethod(ListTaskPushNotificationConfigsRequest),
  DeleteTaskPushNotificationConfig: a2aMethod(TaskPushNotificationConfigRequest),
  GetExtendedAgentCard: a2aMethod(GetExtendedAgentCardRequest),
} as const satisfies Record<string, A2aMethodDef>;
export type A2aMethodName = keyof typeof a2aMethods;
