import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A free TCP port on 127.0.0.1 (so that a restarted hub can listen where its clients reconnect). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

const adminEnv = (token: string | undefined): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.SWITCHBOARD_ADMIN_TOKEN;
  return token === undefined ? env : { ...env, SWITCHBOARD_ADMIN_TOKEN: token };
};

export const newAdminToken = (): string => `sb_admin.admin.${randomBytes(32).toString("base64url")}`;

export interface ChildHubOptions {
  readonly db: string;
  readonly port: number;
  /** SWITCHBOARD_ADMIN_TOKEN; undefined lets the hub generate one on first start (and print it once). */
  readonly adminToken: string | undefined;
  /** Extra `serve` flags, e.g. `{ "shutdown-grace-ms": "2000" }`; "" passes a boolean flag bare. */
  readonly flags?: Readonly<Record<string, string>>;
  readonly logLevel?: string;
}

/**
 * The hub as its own process (the built `switchboard serve`, what `npm start` runs), for
 * tests that kill it: SIGKILL for crashes, SIGTERM for graceful shutdown.
 * Its stdout and stderr are kept so a test can search them.
 */
export class ChildHub {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly proc: ChildProcess,
    readonly options: ChildHubOptions,
  ) {
    this.exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.options.port}/ws`;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  static async start(options: ChildHubOptions): Promise<ChildHub> {
    const flags = {
      host: "127.0.0.1",
      port: String(options.port),
      db: options.db,
      "log-level": options.logLevel ?? "warn",
      ...options.flags,
    };
    const args = ["dist/switchboard.js", "serve"];
    // An empty value is a bare boolean flag (`--webhook-allow-private`).
    for (const [k, v] of Object.entries(flags)) args.push(...(v === "" ? [`--${k}`] : [`--${k}`, v]));
    const proc = spawn(process.execPath, args, {
      cwd: root,
      env: adminEnv(options.adminToken),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const hub = new ChildHub(proc, options);
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        hub.output.push(text);
        seen += text;
        if (seen.includes(" listening on ")) resolve();
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", (chunk: Buffer) => hub.output.push(chunk.toString()));
      void hub.exited.then(({ code, signal }) =>
        reject(new Error(`the hub exited (${code ?? signal}) before listening:\n${hub.output.join("")}`)),
      );
    });
    return hub;
  }

  /** Send a signal and wait for the process to end. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}
