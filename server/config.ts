/**
 * Every setting of the hub, declared once: the flag, its environment variable
 * (SWITCHBOARD_<FLAG>), its default, and the line `--help` prints. Every limit
 * is one of these, enforced in one place.
 */
type Kind = "string" | "integer" | "duration" | "bytes" | "boolean" | "durations";

interface OptionSpec<K extends Kind, D> {
  readonly kind: K;
  readonly default: D;
  readonly help: string;
  readonly choices?: ReadonlyArray<string>;
  /** The largest value an integer takes. */
  readonly max?: number;
}

const opt = <K extends Kind, D>(kind: K, def: D, help: string, choices?: ReadonlyArray<string>): OptionSpec<K, D> => ({
  kind,
  default: def,
  help,
  ...(choices ? { choices } : {}),
});

export const optionSpecs = {
  host: opt("string", "127.0.0.1", "Interface to listen on."),
  port: { ...opt("integer", 7700, "Port to listen on (0 picks a free one)."), max: 65535 },
  "public-url": opt(
    "string",
    "",
    "The URL clients use to reach the hub, when its host name is not --host (a proxy, a DNS name); requests naming another host are refused.",
  ),
  "allowed-origins": opt(
    "string",
    "",
    "Comma-separated web origins (https://app.example) whose pages may open sockets and POST; same-origin pages and clients that send no Origin always may; * allows any.",
  ),
  db: opt(
    "string",
    "./data/switchboard.db",
    "SQLite database file (created with its folder if missing), or a postgres:// URL: hubs started with the same URL serve as one.",
  ),
  "log-level": opt("string", "info", "Log level.", ["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  "log-format": opt(
    "string",
    "auto",
    "Log lines as JSON (one object a line, for collectors) or pretty (for people); auto: pretty when stdout is a terminal.",
    ["auto", "json", "pretty"],
  ),
  registration: opt("string", "closed", "Whether auth/register may create agents.", ["closed", "open", "secret"]),
  "registration-secret": opt("string", "", "The secret auth/register must present when --registration secret."),
  "max-frame-bytes": opt(
    "bytes",
    1024 * 1024,
    "Largest WebSocket frame or HTTP body accepted; a larger frame closes the socket with 1009.",
  ),
  "heartbeat-ms": opt("duration", 30_000, "Interval of server pings; a peer that misses two pongs is dropped."),
  "auth-timeout-ms": opt("duration", 10_000, "A socket that has not authenticated by then is closed with 4401."),
  "close-grace-ms": opt(
    "duration",
    2_000,
    "Once the hub closes a socket, how long the peer has to answer the close handshake before the TCP connection is destroyed.",
  ),
  "rate-limit": opt("integer", 10_000, "Requests per second per connection (token bucket refill rate)."),
  "rate-burst": opt("integer", 20_000, "Token bucket size: requests a connection may send at once."),
  "rate-bytes": opt(
    "bytes",
    1024 * 1024,
    "Bytes per second the hub reads from one WebSocket connection (refill rate of a byte budget beside --rate-limit): a frame that overdraws the budget is handled, then the socket is not read until the budget refills.",
  ),
  "rate-bytes-burst": opt("bytes", 2 * 1024 * 1024, "Byte budget size: bytes a connection may send at once."),
  "malformed-limit": opt(
    "integer",
    100,
    "Malformed frames a connection may send per window before it is closed with 4429.",
  ),
  "malformed-window-ms": opt("duration", 10_000, "The window of --malformed-limit."),
  "max-sockets-per-principal": opt("integer", 64, "Open sockets one principal may hold; one more is refused."),
  "max-pending-callbacks": opt(
    "integer",
    1_000,
    "Callbacks the hub may await from one app at once; beyond it the app counts as unreachable.",
  ),
  "max-buffered-bytes": opt(
    "bytes",
    8 * 1024 * 1024,
    "A socket whose unsent data exceeds this is closed with 4008 (it resumes from its cursor).",
  ),
  "callback-timeout-ms": opt(
    "duration",
    10_000,
    "How long the hub waits for an app to answer task/create or message/authorize.",
  ),
  "max-participants": opt("integer", 256, "Participants a conversation may hold."),
  "event-retention": opt(
    "duration",
    7 * 24 * 3600 * 1000,
    "How long unacknowledged events are kept (e.g. 7d, 12h, 30m).",
  ),
  "confirmation-ttl": opt(
    "duration",
    10 * 60 * 1000,
    "How long an action confirmation (actions/confirm, then the repeated call) stays valid (e.g. 10m).",
  ),
  "idempotency-ttl": opt(
    "duration",
    24 * 3600 * 1000,
    "How long an idempotency key's stored response is kept per (principal, key) (e.g. 24h).",
  ),
  "shutdown-grace-ms": opt(
    "duration",
    5_000,
    "On SIGTERM or SIGINT, how long in-flight calls may take before sockets close.",
  ),
  inspector: opt("boolean", true, "Serve the web inspector at GET /inspector (the admin methods stay either way)."),
  "poll-ms": opt(
    "duration",
    1_000,
    "PostgreSQL: how often each node reads the event log when no notification rang (the delay a lost NOTIFY can cost).",
  ),
  "pool-size": opt("integer", 16, "PostgreSQL: connections per node, so how many transactions it runs at once."),
  "max-json-depth": opt(
    "integer",
    64,
    "Deepest nesting of objects and arrays accepted in params; deeper is InvalidParams.",
  ),
  "a2a-public-url": opt(
    "string",
    "",
    "The hub's public base URL in A2A agent cards (e.g. https://hub.example.com); by default http://<the request's Host>.",
  ),
  "a2a-blocking-timeout-ms": opt(
    "duration",
    30_000,
    "How long a blocking A2A SendMessage waits for the agent to answer before returning the task as it stands.",
  ),
  "a2a-max-streams": opt("integer", 32, "Open A2A SSE streams one a2a-client may hold; one more is refused with 429."),
  "a2a-max-push-configs": opt(
    "integer",
    10,
    "A2A push-notification configs one task may have; one more is refused with InvalidParams.",
  ),
  "a2a-sse-heartbeat-ms": opt(
    "duration",
    15_000,
    "Interval of the comment lines that keep an idle A2A SSE stream open.",
  ),
  "max-batch": opt(
    "integer",
    100,
    "Calls one JSON-RPC batch may hold; a larger batch is refused whole (InvalidRequest, nothing executed).",
  ),
  "max-answer-bytes": opt(
    "bytes",
    8 * 1024 * 1024,
    "Largest answer to one frame or POST /rpc body, a batch's answers together; results past it are replaced by an error.",
  ),
  "max-issues": opt("integer", 20, "Issues listed in one InvalidParams answer; the first ones found are listed."),
  "http-rate-limit": opt(
    "integer",
    10_000,
    "HTTP POST requests per second per client address and per principal (token bucket refill rate).",
  ),
  "http-rate-burst": opt("integer", 20_000, "HTTP token bucket size, per client address and per principal."),
  "headers-timeout-ms": opt("duration", 10_000, "How long a client may take to send an HTTP request's headers."),
  "request-timeout-ms": opt(
    "duration",
    30_000,
    "How long a client may take to send a whole HTTP request, body included.",
  ),
  "keep-alive-timeout-ms": opt("duration", 5_000, "How long an idle HTTP keep-alive connection is kept open."),
  "max-connections": opt(
    "integer",
    50_000,
    "TCP connections the hub holds at once (HTTP and WebSocket); past it new ones are dropped.",
  ),
  "max-unauthenticated": opt(
    "integer",
    1_000,
    "WebSocket connections not yet authenticated the hub holds at once; one more upgrade is refused with 503.",
  ),
  "webhook-allow-private": opt(
    "boolean",
    false,
    "Accept http:// webhook URLs and loopback or private addresses (local development and tests only).",
  ),
  "webhook-retry-schedule": opt(
    "durations",
    [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    "Delays before each retry of a failed webhook delivery; past the last one the webhook pauses.",
  ),
  "webhook-timeout-ms": opt("duration", 10_000, "How long one webhook request may take, connection included."),
  "webhook-max-response-bytes": opt(
    "bytes",
    1024 * 1024,
    "Largest webhook response body read (a callback's answer); a longer one counts as malformed.",
  ),
  "webhook-deliveries-kept": opt("integer", 1_000, "Webhook attempts kept per app for app/webhook/deliveries."),
  "secret-key": opt(
    "string",
    "",
    "Encrypts webhook secrets at rest (AES-256-GCM); a database dump alone then cannot sign. Prefer the environment variable: flags show in process listings.",
  ),
} as const;

type Specs = typeof optionSpecs;
export type OptionName = keyof Specs;
type ValueOf<S> =
  S extends OptionSpec<infer K, unknown>
    ? K extends "string"
      ? string
      : K extends "boolean"
        ? boolean
        : K extends "durations"
          ? ReadonlyArray<number>
          : number
    : never;
type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** The resolved settings, with camel-cased names: `maxFrameBytes`, `heartbeatMs`, ... */
export type Config = { readonly [K in OptionName as CamelCase<K>]: ValueOf<Specs[K]> } & {
  /** From SWITCHBOARD_ADMIN_TOKEN only, never a flag: flags show up in process listings. */
  readonly adminToken?: string | undefined;
};

export const envName = (flag: string): string => `SWITCHBOARD_${flag.toUpperCase().replace(/-/g, "_")}`;
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const byteUnits: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A command that cannot do what it was asked; the message says what to do. The CLI exits 1. */
export class ConfigError extends Error {}
/** Input that is wrong as given (a flag, a value, a path): the CLI exits 2, as for a usage error. */
export class UsageError extends ConfigError {}

const booleans: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  on: true,
  off: false,
  "1": true,
  "0": false,
};

type Value = string | number | boolean | ReadonlyArray<number>;

const parseValue = (flag: string, spec: OptionSpec<Kind, unknown>, raw: string): Value => {
  const fail = (what: string): never => {
    throw new UsageError(`--${flag} (or ${envName(flag)}) ${what}, got ${JSON.stringify(raw)}`);
  };
  if (spec.kind === "string") {
    if (spec.choices && !spec.choices.includes(raw)) fail(`must be one of ${spec.choices.join(", ")}`);
    return raw;
  }
  if (spec.kind === "boolean") return booleans[raw.trim().toLowerCase()] ?? fail("must be true or false");
  if (spec.kind === "durations") {
    const items = raw.split(",").map((d) => d.trim());
    if (items.some((d) => d === "")) return fail("must be a comma-separated list of durations, e.g. 5s,5m,30m");
    return items.map((d) => parseValue(flag, { ...spec, kind: "duration" }, d) as number);
  }
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(raw.trim());
  if (!m) return fail("must be a non-negative whole number");
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  if (spec.kind === "integer") {
    if (unit !== "") return fail("takes no unit");
    return spec.max !== undefined && n > spec.max ? fail(`must be between 0 and ${spec.max}`) : n;
  }
  const table = spec.kind === "duration" ? units : byteUnits;
  const factor = unit === "" ? 1 : table[unit];
  if (factor === undefined) return fail(`has an unknown unit (use ${Object.keys(table).join(", ")})`);
  return n * factor;
};

/**
 * Resolve settings: a flag wins over its environment variable, which wins
 * over the default. `overrides` (tests, embedding) win over everything.
 */
export const resolveConfig = (
  flags: Readonly<Record<string, string | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config => {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(optionSpecs) as [string, OptionSpec<Kind, unknown>][]) {
    const raw = flags[flag] ?? env[envName(flag)];
    out[camel(flag)] = raw === undefined || raw === "" ? spec.default : parseValue(flag, spec, raw);
  }
  const adminToken = env.SWITCHBOARD_ADMIN_TOKEN;
  if (adminToken) out.adminToken = adminToken;
  const config = { ...out, ...overrides } as Config;
  if (config.registration === "secret" && !config.registrationSecret) {
    throw new UsageError("--registration secret needs --registration-secret (or SWITCHBOARD_REGISTRATION_SECRET)");
  }
  return config;
};

/** The lines of `switchboard serve --help`. */
export const optionsHelp = (): string =>
  (Object.entries(optionSpecs) as [string, OptionSpec<Kind, unknown>][])
    .map(([flag, spec]) => {
      const def =
        spec.default === ""
          ? ""
          : ` (default: ${Array.isArray(spec.default) ? spec.default.map((ms: number) => `${ms / 1000}s`).join(",") : String(spec.default)})`;
      const choices = spec.choices ? ` One of: ${spec.choices.join(", ")}.` : "";
      return `  --${flag.padEnd(26)} ${spec.help}${choices}${def}\n  ${"".padEnd(28)} env ${envName(flag)}`;
    })
    .join("\n");
