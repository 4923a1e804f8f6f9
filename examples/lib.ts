// Shared by the examples: where the hub is, and an admin connection to create principals.
import { randomBytes } from "node:crypto";
import { connect, type SwitchboardClient } from "../client/index.ts";

export const hubUrl = process.env.SWITCHBOARD_URL ?? "ws://127.0.0.1:7700/ws";

export const adminClient = async (): Promise<SwitchboardClient> => {
  const token = process.env.SWITCHBOARD_ADMIN_TOKEN;
  if (!token) {
    console.error(
      "Set SWITCHBOARD_ADMIN_TOKEN to the admin token the hub printed on its first start\n" +
        "(or start the hub with SWITCHBOARD_ADMIN_TOKEN=sb_admin.admin.<secret> npm start and use the same value here).",
    );
    process.exit(1);
  }
  try {
    return await connect({ url: hubUrl, token, reconnect: false });
  } catch (err) {
    console.error(`Could not reach the hub at ${hubUrl} (${(err as Error).message}). Is \`npm start\` running?`);
    process.exit(1);
  }
};

/** A name no earlier run of the example has used. */
export const fresh = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export const say = (who: string, line: string) => console.log(`${who.padEnd(20)} ${line}`);
