import { randomBytes } from "node:crypto";
import postgres from "postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL server URL (database `postgres`) when the suite runs on PostgreSQL. */
    pgUrl: string;
  }
}

/** Which engine the integration suite runs on: `SWITCHBOARD_TEST_ENGINE=postgres` (see vitest.pg.config.ts). */
export const testEngine = (): "sqlite" | "postgres" =>
  process.env.SWITCHBOARD_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";

/**
 * The server the PostgreSQL run uses: SWITCHBOARD_TEST_PG_URL, or the embedded one the global setup
 * started. vitest is imported only then, so that scripts outside vitest (npm run stress) can use the
 * helpers on SQLite.
 */
const serverUrl = async (): Promise<string> =>
  process.env.SWITCHBOARD_TEST_PG_URL ?? (await import("vitest")).inject("pgUrl");

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** A new, empty database on the test server; returns its URL. */
export const freshDatabase = async (): Promise<string> => {
  const admin = await serverUrl();
  const name = `sb_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const sql = postgres(admin, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return withDatabase(admin, name);
};

/** Drop a database made by freshDatabase, ending the connections still open on it. */
export const dropDatabase = async (url: string): Promise<void> => {
  const name = new URL(url).pathname.slice(1);
  const sql = postgres(await serverUrl(), { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
};
