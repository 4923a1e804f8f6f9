import { Schema } from "effect";

/**
 * The one error table of the protocol (PROTOCOL.md section 3): tag → code,
 * default message, HTTP status (section 7.8) and whether retrying the same
 * call can succeed. Every error on the wire is `{code, message, data: {tag, ...}}`.
 */
const Reason = { reason: Schema.optional(Schema.String) };
const AgentIds = { agentIds: Schema.Array(Schema.String) };

export const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String,
}).annotations({ identifier: "Issue" });
export type Issue = typeof Issue.Type;

const spec = <const D extends Schema.Struct.Fields>(
  code: number,
  http: number,
  message: string,
  data: D,
  retryable = false,
) => ({ code, http, message, data: Schema.Struct(data), retryable });

export const errorTable = {
  ParseError: spec(-32700, 400, "The frame is not valid JSON; send one JSON value per text frame.", {}),
  InvalidRequest: spec(
    -32600,
    400,
    'The frame is not a JSON-RPC 2.0 request; send {jsonrpc: "2.0", id, method, params?}.',
    {},
  ),
  MethodNotFound: spec(
    -32601,
    404,
    "No such method for this principal; see rpc.discover for the methods you may call.",
    {},
  ),
  InvalidParams: spec(
    -32602,
    400,
    "The params do not match the method's schema; data.issues names each offending path.",
    {
      issues: Schema.Array(Issue),
    },
  ),
  Internal: spec(
    -32603,
    500,
    "The hub hit an unexpected error; it was logged. Retry, and report it if it persists.",
    {},
    true,
  ),
  Unauthorized: spec(
    -32000,
    401,
    "Not authenticated: call auth/connect with a valid token, or send Authorization: Bearer <token>.",
    Reason,
  ),
  Forbidden: spec(-32001, 403, "Authenticated, but not allowed to do this; data.reason says why.", Reason),
  NotFound: spec(-32002, 404, "No such resource; check the id.", {}),
  Conflict: spec(-32003, 409, "The request clashes with the current state; data.reason says how.", {
    reason: Schema.optional(Schema.String),
    oldestCursor: Schema.optional(Schema.String),
  }),
  RateLimited: spec(
    -32004,
    429,
    "Too many requests on this connection; wait data.retryAfterMs and retry.",
    {
      retryAfterMs: Schema.Number,
    },
    true,
  ),
  ConversationFull: spec(
    -32007,
    409,
    "The conversation has reached its participant cap; remove someone first or create another conversation.",
    {},
  ),
  ProtocolMismatch: spec(
    -32008,
    400,
    'The hub speaks protocol version 1 only; widen [minProtocol, maxProtocol] to include "1".',
    {
      serverVersion: Schema.String,
    },
  ),
  AppNotFound: spec(-32010, 404, "No app with that id; omit appId to use app_default.", {}),
  AgentNotFound: spec(
    -32011,
    404,
    "Unknown agent; data.agentIds lists the ids (or DIDs) that name no agent.",
    AgentIds,
  ),
  UserNotFound: spec(-32012, 404, "No user with that id; create the user first (admin/user/create).", {}),
  HookBlocked: spec(-32019, 403, "The task's app blocked this message; data.reason gives its reason.", Reason),
  TaskClosed: spec(-32020, 409, "The task is closed or failed; start a new task with task/request.", {}),
  TaskNotFound: spec(-32021, 404, "No such task visible to you; check the id and that you are a participant.", {}),
  ConversationArchived: spec(-32022, 409, "The conversation is archived; ask the task's app to unarchive it.", {}),
  ParticipantNotAdmitted: spec(
    -32023,
    409,
    "These agents are not participants of the task (data.agentIds); the task's app must add them first.",
    AgentIds,
  ),
  TaskRejected: spec(
    -32024,
    409,
    "The task's app did not accept the task; data.reason says why (its reason, timeout, app_unreachable or invalid_verdict).",
    {
      reason: Schema.String,
    },
  ),
  ConversationNotFound: spec(
    -32025,
    404,
    "No such conversation in that task; task/conversation/list shows the task's conversations.",
    {},
  ),
  NotAParticipant: spec(
    -32026,
    404,
    "You are not a participant of this conversation; agent/conversation/list shows yours, and the task's app may add you.",
    {},
  ),
  MessageNotFound: spec(-32027, 404, "No such message in this conversation; check the id with messages/list.", {}),
  ScopeMissing: spec(-32030, 403, "The app lacks a scope (data.scope); an admin must grant it to the app.", {
    scope: Schema.String,
  }),
  CapabilityMissing: spec(
    -32031,
    403,
    "The app lacks a capability (data.capability); an admin must grant it to the app.",
    {
      capability: Schema.String,
    },
  ),
  NoDelegatedGrant: spec(
    -32032,
    403,
    "No active grant from that user covers this; ask the user for consent with consent/request.",
    {},
  ),
  GrantModeledOnly: spec(
    -32033,
    403,
    "Only modeled-only grants cover this; a user grant obtained through consent/request is needed to execute.",
    {},
  ),
  ConfirmationRequired: spec(
    -32034,
    403,
    "The acting user must confirm this action; repeat the call with data.confirmationId once they approve it.",
    {
      confirmationId: Schema.String,
    },
  ),
  ActionForbidden: spec(
    -32035,
    403,
    "This action's permissions forbid your invoker type; data.reason says why.",
    Reason,
  ),
  ActionNotFound: spec(-32036, 404, "Unknown action, or not visible to you; see actions/list.", {}),
  IdempotencyConflict: spec(
    -32037,
    409,
    "This idempotency key was used with another action or other params; use a new key.",
    {},
  ),
  ActionUnavailable: spec(
    -32038,
    503,
    "The app that serves this action is not connected or did not answer in time; retry later.",
    Reason,
    true,
  ),
  Unavailable: spec(
    -32039,
    503,
    "The hub cannot reach its database right now; nothing was written. Retry after data.retryAfterMs.",
    {
      retryAfterMs: Schema.Number,
    },
    true,
  ),
  IntentNotSupported: spec(
    -32040,
    409,
    "A recipient's agent card does not accept this intent (data.agentIds); nothing was sent.",
    AgentIds,
  ),
  IntentNotDeclared: spec(
    -32041,
    409,
    "Your agent card does not list this intent in intentsSent; update it with agent/card/update.",
    {},
  ),
  CorrelationNotFound: spec(
    -32042,
    409,
    "This response answers no earlier request of its pair type in this conversation; pass the request's correlationId.",
    {},
  ),
} as const;

export type ErrorTag = keyof typeof errorTable;
export const errorTags = Object.keys(errorTable) as ReadonlyArray<ErrorTag>;

/** What a raise site may attach under `data`, besides the tag. */
export type ErrorData<T extends ErrorTag> = (typeof errorTable)[T]["data"]["Type"];

/** The wire form of an error object. */
export interface WireError {
  readonly code: number;
  readonly message: string;
  readonly data: { readonly tag: string; readonly [key: string]: unknown };
}

/**
 * A protocol error: thrown by handlers, answered by the dispatcher, and
 * thrown again by the client when a call fails. `tag` is what callers match on.
 */
export class RpcError<T extends ErrorTag = ErrorTag> extends Error {
  override readonly name = "RpcError";
  readonly code: number;
  constructor(
    readonly tag: T,
    readonly data: ErrorData<T>,
    message?: string,
  ) {
    super(message ?? errorTable[tag].message);
    this.code = errorTable[tag].code;
  }

  get retryable(): boolean {
    return errorTable[this.tag].retryable;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, data: { tag: this.tag, ...this.data } };
  }

  static fromWire(error: WireError): RpcError {
    const { tag, ...data } = error.data ?? { tag: "Internal" };
    const known = (errorTags as ReadonlyArray<string>).includes(tag) ? (tag as ErrorTag) : "Internal";
    return new RpcError(known, data as never, error.message);
  }
}

type DataArg<T extends ErrorTag> =
  {} extends ErrorData<T> ? [data?: ErrorData<T>, message?: string] : [data: ErrorData<T>, message?: string];

/** Build an error to throw: `throw rpcError("TaskNotFound")`. */
export const rpcError = <T extends ErrorTag>(tag: T, ...[data, message]: DataArg<T>): RpcError<T> =>
  new RpcError(tag, (data ?? {}) as ErrorData<T>, message);

/**
 * A raise function limited to a set of tags. Handlers receive one typed with
 * their method's declared errors, so raising an undeclared error does not
 * type-check; helpers ask for the narrowest `Raise<...>` they need.
 */
export type Raise<E extends ErrorTag> = <T extends E>(tag: T, ...rest: DataArg<T>) => never;

export const raise: Raise<ErrorTag> = (tag, ...rest) => {
  throw rpcError(tag, ...rest);
};

export const isRpcError = (e: unknown): e is RpcError => e instanceof RpcError;
