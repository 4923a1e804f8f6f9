import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/** A token anywhere in a log line: its kind and id may stay, its secret may not. */
const TOKEN = /\b(sb_(?:agent|app|user|admin)\.[A-Za-z0-9_-]+\.)[A-Za-z0-9_-]{32,}/g;

/**
 * Structured JSON logs with a level (pino: fast, and the de facto standard
 * for Node services). Fields named like tokens are redacted, and any
 * token-shaped text left in a line (a client's id, an error message, a path)
 * loses its secret before the line is written, so a careless call site
 * cannot leak one.
 *
 * `format`: JSON by default; pretty (pino-pretty, pino's own formatter: the
 * same fields, coloured and one line each, run in this thread as a stream so
 * that the bundle and the single executable need no worker file) when asked,
 * or with "auto" when stdout is a terminal. One format per stream.
 */
export const createLogger = (
  level: string,
  destination?: NodeJS.WritableStream,
  format: "auto" | "json" | "pretty" | string = "json",
): Logger => {
  const asPretty = format === "pretty" || (format === "auto" && destination === undefined && process.stdout.isTTY);
  const out =
    destination ??
    (asPretty
      ? // sync: a human reads these lines, few per second; none may be lost at exit
        pretty({
          sync: true,
          colorize: process.stdout.isTTY,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname,service",
        })
      : pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level,
      base: { service: "switchboard" },
      redact: { paths: ["token", "*.token", "params.token", "authorization", "*.authorization"], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line) => line.replace(TOKEN, "$1[redacted]") },
    },
    out,
  );
};
