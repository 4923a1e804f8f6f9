import postgres from "postgres";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "migrations", "postgres");

export interface PostgresOptions {
  /** Connections in the pool: how many transactions run at once. */
  readonly poolSize?: number;
}

/** `--db` names PostgreSQL when it is a postgres:// or postgresql:// URL. */
export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);

/** The URL without its password, for logs and messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");

export const connectPostgres = (url: string, options: PostgresOptions = {}): postgres.Sql =>
  postgres(url, {
    max: options.poolSize ?? 16,
    // A commit group sends all of its jobs' statements on one connection at once (storage/transactions.ts);
    // past max_pipeline (100 by default) postgres.js sends each further one only as another returns, one
    // write per statement. Declared by postgres.js but missing from its types.
    ...({ max_pipeline: 10_000 } as object),
    onnotice: () => undefined,
    // Integers come back as numbers, as they do from SQLite: keys, seqs and cursors stay below 2^53.
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
    connection: { application_name: "switchboard" },
  });

/**
 * Apply the numbered migrations not yet recorded. Several nodes may start at
 * once: a transaction-scoped advisory lock lets one apply them while the
 * others wait, and then find nothing left to do.
 */
export const migratePostgres = async (sql: postgres.Sql): Promise<void> => {
  const files = readdirSync(migrationsDir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort((a, b) => Number(a.split("_")[0]) - Number(b.split("_")[0]));
  await sql.begin(async (tx) => {
    await tx.unsafe("SELECT pg_advisory_xact_lock(7700, 1)");
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(
      (await tx.unsafe<Array<{ version: number }>>("SELECT version FROM schema_migrations")).map((r) => r.version),
    );
    for (const f of files) {
      const version = Number(f.split("_")[0]);
      if (applied.has(version)) continue;
      await tx.unsafe(readFileSync(join(migrationsDir, f), "utf8")).simple();
      await tx.unsafe("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        version,
        f,
        new Date().toISOString(),
      ]);
    }
  });
};
