// Shared by the examples: where the hub is, and an admin connection to create principals.
import { randomBytes } from "node:crypto";
import { connect, RpcError, type SwitchboardClient } from "../client/index.ts";

const fail = (line: string): never => {
  console.error(line);
  process.exit(2);
};

/** SWITCHBOARD_URL, checked: the hub's WebSocket URL (ws:// or wss://, path /ws), not its HTTP address. */
const checkedUrl = (raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(
      `SWITCHBOARD_URL is not a URL (${raw}); set it to the hub's WebSocket URL, e.g. ws://127.0.0.1:7700/ws.`,
    );
  }
  if ((url.protocol === "ws:" || url.protocol === "wss:") && url.pathname === "/ws") return raw;
  const fixed = new URL(raw);
  fixed.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  fixed.pathname = "/ws";
  return fail(
    `SWITCHBOARD_URL must be the hub's WebSocket URL, ending in /ws: set SWITCHBOARD_URL=${fixed.href} (got ${raw}).`,
  );
};

export const hubUrl = checkedUrl(process.env.SWITCHBOARD_URL ?? "ws://127.0.0.1:7700/ws");

export const adminClient = async (): Promise<SwitchboardClient> => {
  const token = process.env.SWITCHBOARD_ADMIN_TOKEN;
  if (!token) {
    return fail(
      "Set SWITCHBOARD_ADMIN_TOKEN to the admin token the hub printed on its first start\n" +
        "(or start the hub with SWITCHBOARD_ADMIN_TOKEN=sb_admin.admin.<secret> npm start and use the same value here).",
    );
  }
  try {
    return await connect({ url: hubUrl, token, reconnect: false });
  } catch (err) {
    // The hub answered and said no: that is a token to fix, not a hub to start.
    if (err instanceof RpcError && err.tag === "Unauthorized") {
      return fail(
        `The hub at ${hubUrl} refused SWITCHBOARD_ADMIN_TOKEN (${err.message}). Use the admin token it printed on its ` +
          "first start, or issue a new one with `switchboard token rotate admin --db FILE`.",
      );
    }
    console.error(`Could not reach the hub at ${hubUrl} (${(err as Error).message}). Is \`npm start\` running?`);
    process.exit(1);
  }
};

/** A name no earlier run of the example has used. */
export const fresh = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export const say = (who: string, line: string) => console.log(`${who.padEnd(20)} ${line}`);
