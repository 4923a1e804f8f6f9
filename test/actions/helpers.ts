import type { SwitchboardClient } from "../../client/index.ts";
import { Actions } from "../../client/actions.ts";
import type { AppManifest } from "../../protocol/index.ts";
import type { TestHub } from "../helpers/hub.ts";

/** Every capability of the built-in families. */
export const ALL_CAPABILITIES = [
  "intent.write",
  "request.write",
  "connection.write",
  "chat.write",
  "circle.write",
] as const;

export interface Party {
  readonly id: string;
  readonly token: string;
  readonly client: SwitchboardClient;
  readonly actions: Actions;
}

/** A user, connected over a real socket. */
export const connectedUser = async (t: TestHub): Promise<Party> => {
  const made = await t.user();
  const client = await t.connect(made.token);
  return { id: made.id, token: made.token, client, actions: new Actions(client) };
};

/** An agent owned by `ownerUserId` (or by nobody), connected. */
export const connectedAgent = async (t: TestHub, ownerUserId?: string): Promise<Party> => {
  const made = await t.connectedAgent(ownerUserId === undefined ? {} : { ownerUserId });
  return { id: made.id, token: made.token, client: made.client, actions: new Actions(made.client) };
};

/** An app with the given scopes and capabilities (by default everything the built-ins need), connected. */
export const connectedApp = async (
  t: TestHub,
  params: { scopes?: string[]; capabilities?: string[]; manifest?: AppManifest; name?: string } = {},
): Promise<Party & { readonly name: string }> => {
  const made = await t.connectedApp({
    scopes: params.scopes ?? ["actions.invoke"],
    capabilities: params.capabilities ?? [...ALL_CAPABILITIES],
    ...(params.manifest !== undefined ? { manifest: params.manifest } : {}),
    ...(params.name !== undefined ? { name: params.name } : {}),
  });
  return {
    id: made.id,
    token: made.token,
    client: made.client,
    actions: new Actions(made.client),
    name: made.record.name,
  };
};

/** The user grants the app these capabilities through consent, the only way a user grant is made. */
export const grant = async (app: Party, user: Party, capabilities: string[] = [...ALL_CAPABILITIES]) => {
  const consent = await app.actions.requestConsent(user.id, capabilities);
  return user.actions.approveConsent(consent.id);
};

/** Every logged event of a principal, from its event log (what replay and resume deliver). */
export const logOf = async (client: SwitchboardClient) => {
  const items: Array<{ method: string; params: Record<string, unknown> }> = [];
  let after = "0";
  for (;;) {
    const page = await client.call("events/replay", { after, limit: 1000 });
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    after = page.nextCursor;
  }
};

/** The methods in a principal's event log, in order. */
export const methodsIn = async (client: SwitchboardClient): Promise<string[]> =>
  (await logOf(client)).map((e) => e.method);

/** Count rows of a table in the hub's real database. */
export const countRows = async (t: TestHub, table: string, where = "1 = 1", ...args: unknown[]): Promise<number> =>
  (await t.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, ...args))[0]!.n;

/** POST a JSON body to the hub with headers; answers status and parsed body. */
export const post = async (t: TestHub, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An error's data, for checks on its fields. */
export const dataOf = (error: { readonly data: unknown }): Record<string, any> => error.data as Record<string, any>;
