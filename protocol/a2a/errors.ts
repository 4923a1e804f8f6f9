/**
 * The errors of the A2A JSON-RPC binding (A2A 1.0, sections 3.3.2, 5.4 and
 * 9.5): name → JSON-RPC code, the `google.rpc.ErrorInfo` reason the official
 * SDKs match on, and the HTTP status the REST binding would use. They are
 * not the hub's error table: A2A's codes overlap the hub's (-32001 is
 * TaskNotFound here, Forbidden there), so the A2A edge answers with these only.
 */
const spec = (code: number, reason: string, http: number) => ({ code, reason, http });

export const a2aErrorTable = {
  JSONParseError: spec(-32700, "PARSE_ERROR", 400),
  InvalidRequestError: spec(-32600, "INVALID_REQUEST", 400),
  MethodNotFoundError: spec(-32601, "METHOD_NOT_FOUND", 404),
  InvalidParamsError: spec(-32602, "INVALID_PARAMS", 400),
  InternalError: spec(-32603, "INTERNAL_ERROR", 500),
  /** Not an A2A error: a missing, bad or rotated bearer token (HTTP 401), outside A2A's reserved range. */
  UnauthenticatedError: spec(-32000, "UNAUTHENTICATED", 401),
  /**
   * Not A2A errors either, with the same code: the reason (google.rpc's) and
   * the HTTP status tell them apart. A browser page of another origin or a
   * foreign Host (403), too many requests from one address or client (429),
   * the hub's database unreachable (503).
   */
  PermissionDeniedError: spec(-32000, "PERMISSION_DENIED", 403),
  RateLimitedError: spec(-32000, "RESOURCE_EXHAUSTED", 429),
  UnavailableError: spec(-32000, "UNAVAILABLE", 503),
  TaskNotFoundError: spec(-32001, "TASK_NOT_FOUND", 404),
  TaskNotCancelableError: spec(-32002, "TASK_NOT_CANCELABLE", 400),
  PushNotificationNotSupportedError: spec(-32003, "PUSH_NOTIFICATION_NOT_SUPPORTED", 400),
  UnsupportedOperationError: spec(-32004, "UNSUPPORTED_OPERATION", 400),
  ContentTypeNotSupportedError: spec(-32005, "CONTENT_TYPE_NOT_SUPPORTED", 400),
  InvalidAgentResponseError: spec(-32006, "INVALID_AGENT_RESPONSE", 500),
  ExtendedAgentCardNotConfiguredError: spec(-32007, "EXTENDED_AGENT_CARD_NOT_CONFIGURED", 400),
  ExtensionSupportRequiredError: spec(-32008, "EXTENSION_SUPPORT_REQUIRED", 400),
  VersionNotSupportedError: spec(-32009, "VERSION_NOT_SUPPORTED", 400),
} as const;

export type A2aErrorName = keyof typeof a2aErrorTable;

export const ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";
export const BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest";
export const A2A_ERROR_DOMAIN = "a2a-protocol.org";

/** A field that failed validation, as `google.rpc.BadRequest.FieldViolation`: `field` is a dotted path. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/** A JSON-RPC error object of the A2A binding: `data` is a list of typed details (9.5). */
export interface A2aWireError {
  readonly code: number;
  readonly message: string;
  readonly data: ReadonlyArray<Record<string, unknown>>;
}

/** An A2A error raised by the edge; the route turns it into the JSON-RPC error object. */
export class A2aError extends Error {
  constructor(
    readonly kind: A2aErrorName,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    readonly violations: ReadonlyArray<FieldViolation> = [],
  ) {
    super(message);
  }

  toWire(): A2aWireError {
    const { code, reason } = a2aErrorTable[this.kind];
    const info = {
      "@type": ERROR_INFO_TYPE,
      reason,
      domain: A2A_ERROR_DOMAIN,
      ...(Object.keys(this.metadata).length > 0 ? { metadata: this.metadata } : {}),
    };
    const data: Record<string, unknown>[] = [info];
    if (this.violations.length > 0) data.push({ "@type": BAD_REQUEST_TYPE, fieldViolations: this.violations });
    return { code, message: this.message, data };
  }
}

export const a2aError = (
  name: A2aErrorName,
  message: string,
  metadata?: Record<string, string>,
  violations?: ReadonlyArray<FieldViolation>,
): A2aError => new A2aError(name, message, metadata, violations);
