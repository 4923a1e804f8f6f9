import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { connect, type ConnectOptions, type SwitchboardClient } from "../../client/index.ts";
import { resolveConfig, type Config } from "../../server/config.ts";
import { startHub, type RunningHub } from "../../server/hub.ts";
import { createLogger } from "../../server/logger.ts";
import type { Agent, App, AppManifest, User } from "../../protocol/index.ts";
import { RawSocket } from "./raw.ts";
import { dropDatabase, freshDatabase, testEngine } from "./postgres.ts";

let counter = 0;
/** A unique, valid agent or app name. */
export const uniqueName = (prefix = "agent") => `${prefix}-${++counter}-${randomBytes(3).toString("hex")}`;

export interface Made<T> {
  readonly id: string;
  readonly token: string;
  readonly record: T;
}

/**
 * A real hub on a free port over a real database: an SQLite file in a fresh
 * temporary folder, or, when the suite runs on PostgreSQL
 * (SWITCHBOARD_TEST_ENGINE=postgres), a fresh database of its own on the
 * test server. Helpers make principals and connect to it. `restart` stops
 * it and starts it again on the same database.
 */
export class TestHub {
  readonly adminToken = `sb_admin.admin.${randomBytes(32).toString("base64url")}`;
  readonly dir = mkdtempSync(join(tmpdir(), "sb-test-"));
  readonly dbFile = join(this.dir, "hub.db");
  /** What the hub's --db is: the SQLite file, or the URL of this hub's own PostgreSQL database. */
  db = this.dbFile;
  hub!: RunningHub;
  private readonly clients = new Set<SwitchboardClient>();
  private readonly sockets = new Set<RawSocket>();
  private adminClient: SwitchboardClient | undefined;

  private constructor(private overrides: Partial<Config>) {}

  static async start(overrides: Partial<Config> = {}): Promise<TestHub> {
    const t = new TestHub(overrides);
    if (testEngine() === "postgres" && overrides.db === undefined) t.db = await freshDatabase();
    await t.boot();
    return t;
  }

  get config(): Config {
    return resolveConfig(
      {},
      {},
      {
        host: "127.0.0.1",
        port: 0,
        db: this.db,
        logLevel: process.env.SB_TEST_LOG ?? "silent",
        adminToken: this.adminToken,
        ...this.overrides,
      },
    );
  }

  get wsUrl(): string {
    return this.hub.wsUrl;
  }

  get url(): string {
    return this.hub.url;
  }

  private async boot(): Promise<void> {
    const config = this.config;
    this.hub = await startHub(config, { log: createLogger(config.logLevel) });
  }

  /** Stop (gracefully) and start again on the same database file. */
  async restart(overrides: Partial<Config> = {}): Promise<void> {
    await this.closeClients();
    await this.hub.close();
    this.overrides = { ...this.overrides, ...overrides };
    await this.boot();
  }

  async connect(token: string, options: Partial<ConnectOptions> = {}): Promise<SwitchboardClient> {
    const client = await connect({ url: this.wsUrl, token, reconnect: false, ...options });
    this.clients.add(client);
    return client;
  }

  async raw(headers: Record<string, string> = {}): Promise<RawSocket> {
    const socket = await RawSocket.open(this.wsUrl, headers);
    this.sockets.add(socket);
    return socket;
  }

  async admin(): Promise<SwitchboardClient> {
    if (!this.adminClient?.connected) this.adminClient = await this.connect(this.adminToken);
    return this.adminClient;
  }

  async agent(params: { name?: string; displayName?: string; ownerUserId?: string } = {}): Promise<Made<Agent>> {
    const admin = await this.admin();
    const { agent, token } = await admin.call("admin/agent/create", {
      name: params.name ?? uniqueName(),
      ...withoutName(params),
    });
    return { id: agent.id, token, record: agent };
  }

  async app(
    params: { name?: string; scopes?: string[]; capabilities?: string[]; manifest?: AppManifest } = {},
  ): Promise<Made<App>> {
    const admin = await this.admin();
    const { app, token } = await admin.call("admin/app/create", {
      name: params.name ?? uniqueName("app"),
      ...withoutName(params),
    });
    return { id: app.id, token, record: app };
  }

  async user(name = uniqueName("user")): Promise<Made<User>> {
    const admin = await this.admin();
    const { user, token } = await admin.call("admin/user/create", { name });
    return { id: user.id, token, record: user };
  }

  /** Rows of a query on the hub's database, on either engine (`?` placeholders). */
  query<R = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<R[]> {
    return this.hub.storage.sql.prepare<unknown[], R>(text).all(...params);
  }

  /** Run a statement on the hub's database; resolves to the rows it changed. */
  exec(text: string, ...params: unknown[]): Promise<number> {
    return this.hub.storage.sql.prepare(text).run(...params);
  }

  /** An agent, connected. */
  async connectedAgent(params: Parameters<TestHub["agent"]>[0] = {}) {
    const made = await this.agent(params);
    return { ...made, client: await this.connect(made.token) };
  }

  /** An app, connected. */
  async connectedApp(params: Parameters<TestHub["app"]>[0] = {}) {
    const made = await this.app(params);
    return { ...made, client: await this.connect(made.token) };
  }

  private async closeClients(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.close()));
    await Promise.all([...this.sockets].map((s) => s.close()));
    this.clients.clear();
    this.sockets.clear();
    this.adminClient = undefined;
  }

  async stop(): Promise<void> {
    await this.closeClients();
    await this.hub.close();
    if (this.db !== this.dbFile && this.overrides.db === undefined) await dropDatabase(this.db);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const withoutName = <T extends { name?: string }>(p: T): Omit<T, "name"> => {
  const { name: _name, ...rest } = p;
  return rest;
};
