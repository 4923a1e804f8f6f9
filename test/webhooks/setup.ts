import type { SwitchboardClient } from "../../client/index.ts";
import type { TestHub } from "../helpers/hub.ts";
import { rpc } from "./receiver.ts";

/** An app without a socket, with its webhook at `url`: its id, token and signing secret. */
export const webhookApp = async (t: TestHub, url: string, params: Parameters<TestHub["app"]>[0] = {}) => {
  const app = await t.app({ scopes: ["actions.invoke"], capabilities: ["intent.write"], ...params });
  const set = await rpc(t, app.token, "app/webhook/set", { url });
  if (!set.result) throw new Error(`app/webhook/set failed: ${JSON.stringify(set.error)}`);
  return { id: app.id, token: app.token, secret: set.result.secret as string };
};

/**
 * Make `n` events for the app, in order: it asks the user for consent `n`
 * times (over POST /rpc) and the user rejects each, so the app's log gets
 * `n` consent/rejected events. Returns the consent ids in that order.
 */
export const consentRejections = async (
  t: TestHub,
  app: { token: string },
  user: { id: string; client: SwitchboardClient },
  n: number,
): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const asked = await rpc(t, app.token, "consent/request", {
      userId: user.id,
      capabilities: ["intent.write"],
      scope: "actions.invoke",
    });
    if (!asked.result) throw new Error(`consent/request failed: ${JSON.stringify(asked.error)}`);
    const id = asked.result.consent.id as string;
    await user.client.call("consent/reject", { consentId: id });
    ids.push(id);
  }
  return ids;
};

/** The consent id each delivered consent/rejected event carries. */
export const consentIdOf = (params: Record<string, unknown>): string => (params.consent as { id: string }).id;

/** Poll `read` until `done` holds of its value (at most ~10 s); returns the last value. */
export const until = async <T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> => {
  for (let i = 0; i < 500; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};
