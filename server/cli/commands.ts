import { parseArgs, type ParseArgsConfig } from "node:util";
import { isRpcError, raise, type Grant } from "../../protocol/index.ts";
import { isPostgresUrl, nowIso, openStorage, redactUrl, type Storage } from "../../storage/index.ts";
import { copyToPostgres } from "./copy.ts";
import { ConfigError, envName, optionSpecs, optionsHelp, resolveConfig, UsageError } from "../config.ts";
import { prepareDbFile } from "../db-file.ts";
import { lockDatabase, startHub, VERSION } from "../hub.ts";
import { backupDatabase, restoreDatabase, type BackupSummary } from "./backup.ts";
import { createAgent, createApp, createUser, rotateToken } from "../principals.ts";
import { makeSealer, refuseUrl, registerWebhook } from "../webhooks/index.ts";

/**
 * The `switchboard` command: `serve` runs the hub (what `npm start` runs);
 * the others change the database directly, for local use, and print the id
 * and the token they made.
 */
interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  readonly positionals: number;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void> | void;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const list = (v: unknown): string[] | undefined =>
  typeof v === "string"
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

const dbOption = { db: { type: "string" } } as const;
const dbHelp = `  --db FILE      The database (default ${optionSpecs.db.default}, env ${envName("db")}).\n  --json         Print the result as JSON.`;

/** Open the database named by --db / SWITCHBOARD_DB and run one write in a transaction. */
const withStorage = async <T>(values: Record<string, unknown>, fn: (storage: Storage) => Promise<T>): Promise<T> => {
  const config = resolveConfig({ db: values.db as string | undefined });
  // A command that fails on a new path leaves no empty database behind.
  const footprint = prepareDbFile(config.db, { locks: false });
  let storage: Storage;
  try {
    storage = await openStorage(config.db);
  } catch (err) {
    footprint.cleanUp();
    throw err;
  }
  try {
    const [outcome] = await storage.transactions.runAll([
      async () => {
        await storage.apps.ensureDefault(nowIso());
        return fn(storage);
      },
    ]);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.value as T;
  } finally {
    await storage.close();
  }
};

/** The sealer of --secret-key, read from SWITCHBOARD_SECRET_KEY (a flag would show in process listings). */
const cliSealer = () => makeSealer(resolveConfig({}).secretKey);

/** Check a webhook URL as the hub would; a refusal is a ConfigError naming why. */
const checkWebhookUrl = async (url: string, values: Record<string, unknown>): Promise<void> => {
  const allowPrivate = values["webhook-allow-private"] === true || resolveConfig({}).webhookAllowPrivate;
  const refused = await refuseUrl(url, allowPrivate);
  if (refused !== undefined) throw new ConfigError(refused);
};

const PAGE = 500;

/** Every row of a keyset-paged storage list, a page at a time: `page(from)` reads the rows after `from`. */
const allPages = async <R, K>(first: K, page: (from: K) => Promise<R[]>, keyOf: (last: R) => K): Promise<R[]> => {
  const all: R[] = [];
  for (let from = first; ;) {
    const rows = await page(from);
    all.push(...rows);
    if (rows.length < PAGE) return all;
    from = keyOf(rows.at(-1)!);
  }
};

/** An app named by id or by name. */
const appIdOf = async (storage: Storage, app: string): Promise<string> => {
  const id = (await storage.apps.get(app)) ? app : await storage.apps.idOf(app);
  if (id === undefined) throw new ConfigError(`No app has the id or name ${app}; switchboard app list shows them.`);
  return id;
};

/**
 * Call a method on the running hub over POST /rpc as the admin (token from
 * SWITCHBOARD_ADMIN_TOKEN: a flag would show in process listings), for the
 * changes that must go through the hub: its events reach connected sockets
 * at once, and on SQLite only the hub appends to the event log. `hub` is the
 * hub's address (--hub, else SWITCHBOARD_HUB, else http://127.0.0.1:7700);
 * its WebSocket URL (ws://…/ws) is taken too.
 */
const callHub = async (hub: string | undefined, method: string, params: unknown): Promise<unknown> => {
  const token = process.env.SWITCHBOARD_ADMIN_TOKEN;
  if (!token)
    throw new ConfigError(`${method} goes through the running hub: set SWITCHBOARD_ADMIN_TOKEN to its admin token.`);
  const given = hub ?? process.env.SWITCHBOARD_HUB ?? "http://127.0.0.1:7700";
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--hub must be the hub's address, e.g. http://127.0.0.1:7700 (got ${given})`);
  }
  if (url.protocol === "ws:" || url.protocol === "wss:") url.protocol = url.protocol === "ws:" ? "http:" : "https:";
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--hub must be an http(s) address, e.g. http://127.0.0.1:7700 (got ${given})`);
  }
  url.pathname = `${url.pathname.replace(/\/(ws)?\/?$/, "")}/rpc`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new ConfigError(
      `could not reach the hub at ${url.origin} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}): start it, or pass --hub with its address.`,
    );
  }
  if (res.status === 401) {
    throw new ConfigError(
      `the hub at ${url.origin} refused SWITCHBOARD_ADMIN_TOKEN: set it to this hub's admin token.`,
    );
  }
  const body = (await res.json().catch(() => undefined)) as
    { result?: unknown; error?: { message: string; data?: { tag?: string } } } | undefined;
  if (body?.error) throw new ConfigError(`${method}: ${body.error.message} (${body.error.data?.tag ?? "error"})`);
  if (!body || !("result" in body)) {
    throw new ConfigError(
      `the hub at ${url.origin} answered HTTP ${res.status} without a JSON-RPC result; is --hub its address?`,
    );
  }
  return body.result;
};

const webhookOptions = {
  ...dbOption,
  json: { type: "boolean" },
  "webhook-allow-private": { type: "boolean" },
} as const;

const printWebhook = (values: Record<string, unknown>, result: Record<string, unknown>) => {
  if (values.json) out(JSON.stringify(result));
  else {
    for (const [k, v] of Object.entries(result))
      out(`${`${k}:`.padEnd(8)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
    if ("secret" in result) out("The secret is shown once; verify each request's webhook-signature with it.");
  }
};

const printMade = (values: Record<string, unknown>, id: string, token: string, extra: Record<string, unknown> = {}) => {
  if (values.json) out(JSON.stringify({ id, token, ...extra }));
  else {
    out(`id:    ${id}`);
    out(`token: ${token}`);
    out("The token is shown once; the hub keeps only its hash.");
  }
};

// Boolean settings are bare flags (`--webhook-allow-private`); their environment variables take true or false.
const serveOptions = Object.fromEntries(
  Object.entries(optionSpecs).map(([flag, spec]) => [
    flag,
    { type: spec.kind === "boolean" ? ("boolean" as const) : ("string" as const) },
  ]),
);
const flagStrings = (values: Record<string, string | boolean | undefined>): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "boolean" ? String(v) : v]));

const commands: Record<string, Command> = {
  serve: {
    usage: "switchboard serve [options]",
    summary: "Run the hub (npm start runs this).",
    options: serveOptions,
    positionals: 0,
    async run(values) {
      const config = resolveConfig(flagStrings(values));
      const hub = await startHub(config);
      out(`Switchboard ${VERSION} listening on ${hub.url} (WebSocket ${hub.wsUrl}), database ${config.db}`);
      if (hub.inspectorUrl) out(`Inspector: ${hub.inspectorUrl} (sign in with the admin token)`);
      if (hub.generatedAdminToken) {
        out(`Admin token (shown once; set SWITCHBOARD_ADMIN_TOKEN to choose your own): ${hub.generatedAdminToken}`);
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        hub.log.info({ signal }, "signal received");
        hub.close().then(
          () => process.exit(0),
          (err: unknown) => {
            hub.log.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    },
  },
  "app create": {
    usage:
      "switchboard app create NAME [--scopes a,b] [--capabilities x,y] [--message-hook] [--webhook URL [--webhook-allow-private]] [--db FILE] [--json]",
    summary: "Create an app and print its id and token (and its webhook secret with --webhook).",
    options: {
      ...dbOption,
      scopes: { type: "string" },
      capabilities: { type: "string" },
      "message-hook": { type: "boolean" },
      webhook: { type: "string" },
      "webhook-allow-private": { type: "boolean" },
      json: { type: "boolean" },
    },
    positionals: 1,
    async run(values, [name]) {
      const url = values.webhook as string | undefined;
      if (url !== undefined) await checkWebhookUrl(url, values);
      const sealer = cliSealer();
      const made = await withStorage(values, async (s) => {
        const app = await createApp(
          s,
          {
            name: name!,
            scopes: list(values.scopes),
            capabilities: list(values.capabilities),
            manifest: values["message-hook"] ? { hooks: { messageAuthorize: true } } : {},
          },
          raise,
        );
        return { ...app, hook: url === undefined ? undefined : await registerWebhook(s, sealer, app.app.id, url) };
      });
      printMade(values, made.app.id, made.token, { app: made.app, ...(made.hook ?? {}) });
      if (made.hook && !values.json) {
        out(`webhook secret: ${made.hook.secret}`);
        out("The secret is shown once; verify each request's webhook-signature with it.");
      }
    },
  },
  "app webhook set": {
    usage: "switchboard app webhook set APP URL [--webhook-allow-private] [--db FILE] [--json]",
    summary:
      "Register or replace an app's webhook (APP: id or name) and print its new secret; a replaced secret signs for 24 h more. A running hub picks it up within 30 s.",
    options: webhookOptions,
    positionals: 2,
    async run(values, [app, url]) {
      await checkWebhookUrl(url!, values);
      const sealer = cliSealer();
      printWebhook(
        values,
        await withStorage(values, async (s) => registerWebhook(s, sealer, await appIdOf(s, app!), url!)),
      );
    },
  },
  "app webhook get": {
    usage: "switchboard app webhook get APP [--db FILE] [--json]",
    summary: "Print an app's webhook: its URL, status, and why it paused.",
    options: webhookOptions,
    positionals: 1,
    async run(values, [app]) {
      printWebhook(
        values,
        await withStorage(values, async (s) => ({
          webhook: (await s.webhooks.get(await appIdOf(s, app!)))?.webhook ?? null,
        })),
      );
    },
  },
  "app webhook resume": {
    usage: "switchboard app webhook resume APP [--db FILE] [--json]",
    summary:
      "Restart a paused webhook at its first undelivered event. A running hub picks it up within 30 s (app/webhook/resume at once).",
    options: webhookOptions,
    positionals: 1,
    async run(values, [app]) {
      printWebhook(
        values,
        await withStorage(values, async (s) => {
          const rec = await s.webhooks.resume(await appIdOf(s, app!));
          if (!rec) throw new ConfigError(`App ${app} has no webhook; set one with switchboard app webhook set.`);
          return { webhook: rec.webhook };
        }),
      );
    },
  },
  "agent create": {
    usage: "switchboard agent create NAME [--owner USER_ID] [--display-name TEXT] [--db FILE] [--json]",
    summary: "Create an agent and print its id and token.",
    options: { ...dbOption, owner: { type: "string" }, "display-name": { type: "string" }, json: { type: "boolean" } },
    positionals: 1,
    async run(values, [name]) {
      if (!/^[a-z0-9][a-z0-9_-]{1,30}[a-z0-9]$/.test(name!)) {
        throw new UsageError(
          "agent names are 3 to 32 characters of a-z, 0-9, _ and -, starting and ending with a letter or digit",
        );
      }
      const made = await withStorage(values, (s) =>
        createAgent(
          s,
          {
            name: name!,
            ownerUserId: values.owner as string | undefined,
            displayName: values["display-name"] as string | undefined,
          },
          raise,
        ),
      );
      printMade(values, made.agent.id, made.token, { agent: made.agent });
    },
  },
  "agent list": {
    usage: "switchboard agent list [--query TEXT] [--db FILE] [--json]",
    summary: "List the agents (id, name, status), by name; --query matches name or display name.",
    options: { ...dbOption, query: { type: "string" }, json: { type: "boolean" } },
    positionals: 0,
    async run(values) {
      const query = (values.query as string | undefined) ?? "";
      const agents = await withStorage(values, async (s) =>
        (
          await allPages(
            "",
            (after) => s.agents.list(query, after, PAGE),
            (last) => last.agent.name,
          )
        ).map((p) => p.agent),
      );
      if (values.json) out(JSON.stringify({ agents }));
      else for (const a of agents) out(`${a.id}  ${a.name.padEnd(32)}  ${a.status}`);
    },
  },
  ...Object.fromEntries(
    (["suspend", "unsuspend"] as const).map((verb) => [
      `agent ${verb}`,
      {
        usage: `switchboard agent ${verb} AGENT_ID [--db FILE] [--json]`,
        summary:
          verb === "suspend"
            ? "Suspend an agent: its token is refused from now on. (Its sockets on a running hub stay open until they reconnect; admin/agent/suspend also closes them.)"
            : "Let a suspended agent connect again.",
        options: { ...dbOption, json: { type: "boolean" } },
        positionals: 1,
        async run(values: Record<string, unknown>, [agentId]: string[]) {
          const agent = await withStorage(values, async (s) => {
            const changed = await s.agents.setStatus(agentId!, verb === "suspend" ? "suspended" : "active");
            if (!changed) throw new UsageError(`No agent has the id ${agentId}; switchboard agent list shows them.`);
            return changed;
          });
          if (values.json) out(JSON.stringify({ agent }));
          else out(`${agent.id}  ${agent.name}  ${agent.status}`);
        },
      } satisfies Command,
    ]),
  ),
  "app list": {
    usage: "switchboard app list [--db FILE] [--json]",
    summary: "List the apps (id, name, scopes), by id.",
    options: { ...dbOption, json: { type: "boolean" } },
    positionals: 0,
    async run(values) {
      const apps = await withStorage(values, (s) =>
        allPages(
          "",
          (after) => s.apps.list(after, PAGE),
          (last) => last.id,
        ),
      );
      if (values.json) out(JSON.stringify({ apps }));
      else for (const a of apps) out(`${a.id}  ${a.name.padEnd(32)}  ${a.scopes.join(",") || "-"}`);
    },
  },
  "grant list": {
    usage: "switchboard grant list (--app APP | --user USER_ID) [--db FILE] [--json]",
    summary: "List the grants an app holds (APP: id or name) or a user gave, newest first, revoked ones included.",
    options: { ...dbOption, app: { type: "string" }, user: { type: "string" }, json: { type: "boolean" } },
    positionals: 0,
    async run(values) {
      const app = values.app as string | undefined;
      const user = values.user as string | undefined;
      if ((app === undefined) === (user === undefined)) {
        throw new UsageError("grant list needs one of --app APP or --user USER_ID");
      }
      const grants = await withStorage(values, async (s) => {
        const appId = app === undefined ? undefined : await appIdOf(s, app);
        if (user !== undefined && !(await s.users.get(user))) {
          throw new ConfigError(`No user has the id ${user}.`);
        }
        const rows = await allPages(
          Number.MAX_SAFE_INTEGER,
          (before) =>
            appId !== undefined
              ? s.actions.grants.listForApp(appId, before, PAGE)
              : s.actions.grants.listFromUser(user!, before, PAGE),
          (last) => last.pk,
        );
        return rows.map((r) => r.grant);
      });
      if (values.json) out(JSON.stringify({ grants }));
      else {
        for (const g of grants) {
          out(
            `${g.id}  ${g.status.padEnd(7)}  app ${g.appId}  ${g.subjectType} ${g.subjectId}  ${g.scope}: ${g.capabilities.join(",")}`,
          );
        }
      }
    },
  },
  "grant revoke": {
    usage: "switchboard grant revoke GRANT_ID [--hub URL] [--json]",
    summary:
      "Revoke a grant through the running hub (grants/revoke as admin, token from SWITCHBOARD_ADMIN_TOKEN), so that it stops authorizing at once and the app gets grant/revoked.",
    options: { hub: { type: "string" }, json: { type: "boolean" } },
    positionals: 1,
    async run(values, [grantId]) {
      const { grant } = (await callHub(values.hub as string | undefined, "grants/revoke", { grantId })) as {
        grant: Grant;
      };
      if (values.json) out(JSON.stringify({ grant }));
      else out(`${grant.id}  ${grant.status}  app ${grant.appId}  ${grant.subjectType} ${grant.subjectId}`);
    },
  },
  "user create": {
    usage: "switchboard user create NAME [--db FILE] [--json]",
    summary: "Create a user and print its id and token.",
    options: { ...dbOption, json: { type: "boolean" } },
    positionals: 1,
    async run(values, [name]) {
      const made = await withStorage(values, (s) => createUser(s, { name: name! }));
      printMade(values, made.user.id, made.token, { user: made.user });
    },
  },
  "token rotate": {
    usage: "switchboard token rotate PRINCIPAL_ID [--db FILE] [--json]",
    summary:
      "Issue a new token for an agent, app, user or admin; the old one stops working. (Sockets already open on a running hub stay open until they reconnect; admin/token/rotate also closes them.)",
    options: { ...dbOption, json: { type: "boolean" } },
    positionals: 1,
    async run(values, [principalId]) {
      const token = await withStorage(values, (s) => rotateToken(s, principalId!, raise));
      printMade(values, principalId!, token);
    },
  },
};

const printCopied = (values: Record<string, unknown>, verb: string, from: string, made: BackupSummary) => {
  if (values.json) out(JSON.stringify(made));
  else {
    const counts = Object.entries(made.counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    out(`${verb} ${from} to ${made.file} (${made.bytes} bytes; ${counts}); integrity_check ok.`);
  }
};

commands.backup = {
  usage: "switchboard backup FILE [--db FILE] [--force] [--json]",
  summary:
    "Copy the database to FILE while the hub runs (SQLite online backup: a consistent snapshot), and check the copy. --force overwrites FILE.",
  options: { ...dbOption, force: { type: "boolean" }, json: { type: "boolean" } },
  positionals: 1,
  async run(values, [file]) {
    const { db } = resolveConfig({ db: values.db as string | undefined });
    printCopied(values, "Backed up", db, await backupDatabase(db, file!, values.force === true));
  },
};

commands.restore = {
  usage: "switchboard restore FILE [--db FILE] [--force] [--json]",
  summary:
    "Replace the database with the backup FILE, after checking it. Refuses while a hub has the database open; --force replaces an existing database.",
  options: { ...dbOption, force: { type: "boolean" }, json: { type: "boolean" } },
  positionals: 1,
  async run(values, [file]) {
    const { db } = resolveConfig({ db: values.db as string | undefined });
    printCopied(values, "Restored", file!, await restoreDatabase(file!, db, values.force === true));
  },
};

commands.copy = {
  usage: "switchboard copy --to postgres://USER:PASSWORD@HOST/DB [--db FILE] [--json]",
  summary:
    "Copy the embedded database (hub stopped) into an empty PostgreSQL database, ids, seqs and cursors intact; then start the hubs with --db postgres://….",
  options: { ...dbOption, to: { type: "string" }, json: { type: "boolean" } },
  positionals: 0,
  async run(values) {
    const to = values.to;
    if (typeof to !== "string" || !isPostgresUrl(to)) {
      throw new ConfigError("copy needs --to postgres://USER:PASSWORD@HOST/DATABASE, an empty PostgreSQL database");
    }
    const { db } = resolveConfig({ db: values.db as string | undefined });
    if (isPostgresUrl(db)) throw new ConfigError("copy reads the embedded SQLite file: pass --db FILE");
    // The hub must be stopped: its lock on the file says whether one runs.
    const unlock = lockDatabase(db);
    try {
      const { tables } = await copyToPostgres(db, to);
      if (values.json) out(JSON.stringify({ from: db, to: redactUrl(to), tables }));
      else {
        const rows = Object.values(tables).reduce((a, b) => a + b, 0);
        out(`Copied ${db} to ${redactUrl(to)}: ${Object.keys(tables).length} tables, ${rows} rows.`);
        out(`Start every hub with --db ${redactUrl(to)} (and the real password).`);
      }
    } finally {
      unlock();
    }
  },
};

const overview = () =>
  [
    `switchboard ${VERSION}: a realtime hub for AI agents and the apps around them.`,
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`),
    "",
    "Run `switchboard COMMAND --help` for a command's options.",
  ].join("\n");

const commandHelp = (name: string, c: Command) =>
  [
    c.usage,
    "",
    c.summary,
    "",
    name === "serve"
      ? `Options (each also read from its environment variable):\n${optionsHelp()}\n\nSWITCHBOARD_ADMIN_TOKEN sets the admin token (sb_admin.admin.<secret>).`
      : "db" in c.options
        ? dbHelp
        : `  --hub URL      The running hub's address (default http://127.0.0.1:7700, env SWITCHBOARD_HUB).\n  --json         Print the result as JSON.\n\nSWITCHBOARD_ADMIN_TOKEN is the admin token the call is made with.`,
  ].join("\n");

/** Levenshtein distance: how many one-letter edits turn a into b. */
export const editDistance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
};

/** The closest of `candidates` to a mistyped word, if one is close enough to be what was meant. */
const closest = (word: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
};

const didYouMean = (word: string, candidates: Iterable<string>, render = (c: string) => c): string => {
  const guess = closest(word, candidates);
  return guess === undefined ? "" : `; did you mean ${render(guess)}?`;
};

export const main = async (argv: string[]): Promise<number> => {
  const words = argv.filter((a) => !a.startsWith("-"));
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    out(overview());
    return 0;
  }
  if (argv[0] === "--version") {
    out(VERSION);
    return 0;
  }
  const name = [words.slice(0, 3).join(" "), words.slice(0, 2).join(" "), words[0] ?? ""].find((n) => n in commands);
  if (!name) {
    const typed = words.slice(0, 2).join(" ") || argv.join(" ");
    const first = [...new Set(Object.keys(commands).map((c) => c.split(" ")[0]!))];
    const guess = closest(typed, Object.keys(commands)) ?? closest(words[0] ?? "", first);
    const hint = guess === undefined ? "" : `; did you mean switchboard ${guess}?`;
    process.stderr.write(
      `switchboard: unknown command ${first.includes(words[0] ?? "") ? typed : (words[0] ?? typed)}${hint}\n\n${overview()}\n`,
    );
    return 2;
  }
  const command = commands[name]!;
  const rest = argv.slice(argv.indexOf(name.split(" ").at(-1)!) + 1);
  if (rest.includes("--help") || rest.includes("-h")) {
    out(commandHelp(name, command));
    return 0;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec((err as Error).message);
    const line = unknown
      ? `unknown option ${unknown[1]}${unknown[2]}${didYouMean(unknown[2]!, Object.keys(command.options), (o) => `--${o}`)} (switchboard ${name} --help lists the options)`
      : (err as Error).message;
    process.stderr.write(`switchboard ${name}: ${line}\n\nUsage: ${command.usage}\n`);
    return 2;
  }
  if (parsed.positionals.length !== command.positionals) {
    process.stderr.write(`Usage: ${command.usage}\n`);
    return 2;
  }
  try {
    await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || isRpcError(err)) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
};
