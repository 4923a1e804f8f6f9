import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs with a level (pino: fast, and the de facto standard
 * for Node services). Tokens are redacted wherever they appear in a log
 * record, so a careless call site cannot leak one.
 */
export const createLogger = (level: string, destination?: NodeJS.WritableStream): Logger =>
  pino(
    {
      level,
      base: { service: "switchboard" },
      redact: { paths: ["token", "*.token", "params.token", "authorization", "*.authorization"], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
