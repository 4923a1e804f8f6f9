import { randomUUID } from "node:crypto";
import { Role, TaskState, type Message, type Part, type StreamResponse } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  type Client,
} from "@a2a-js/sdk/client";
import type { A2a, Part as HubPart } from "../../protocol/index.ts";
import { uniqueName, type TestHub } from "../helpers/hub.ts";
import type { Connected } from "../helpers/scenario.ts";

export const STATUS_MEDIA_TYPE = "application/vnd.switchboard.a2a-status+json";

export const exposure = (name: string): A2a.A2aExposure => ({
  name: `${name} the helper`,
  description: "Answers questions over A2A, through a Switchboard hub.",
  version: "2.1.0",
  skills: [
    {
      id: "answer",
      name: "Answer",
      description: "Answers a question in a few sentences.",
      tags: ["qa"],
      examples: ["What is a conversation seq?"],
    },
  ],
});

/** A fetch that sends the a2a-client's bearer token, as any A2A client configured with a token does. */
export const bearerFetch =
  (token: string): typeof fetch =>
  (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };

/** The official SDK's client for the agent's card URL, authenticating with `token`. */
export const sdkClient = async (cardBaseUrl: string, token: string): Promise<Client> => {
  const fetchImpl = bearerFetch(token);
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  return factory.createFromUrl(cardBaseUrl);
};

/** An exposed, connected agent and an a2a-client with its SDK client. */
export interface A2aSetup {
  readonly agent: Connected;
  readonly clientId: string;
  readonly clientName: string;
  readonly token: string;
  readonly client: Client;
}

export const setUp = async (t: TestHub): Promise<A2aSetup> => {
  const agent = await t.connectedAgent();
  await agent.client.call("a2a/expose", { card: exposure(agent.record.name) });
  const admin = await t.admin();
  const clientName = uniqueName("caller");
  const made = await admin.call("admin/a2a-client/create", { name: clientName });
  const client = await sdkClient(`${t.url}/a2a/${agent.record.name}/`, made.token);
  return { agent, clientId: made.client.id, clientName, token: made.token, client };
};

export const textPart = (text: string): Part => ({
  content: { $case: "text", value: text },
  metadata: undefined,
  filename: "",
  mediaType: "",
});

export const userMessage = (text: string, more: Partial<Message> = {}): Message => ({
  messageId: randomUUID(),
  contextId: "",
  taskId: "",
  role: Role.ROLE_USER,
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
  ...more,
});

export const request = (message: Message) => ({ tenant: "", message, configuration: undefined, metadata: undefined });

/** A Switchboard part that sets the A2A task state. */
export const statusPart = (state: string): HubPart => ({ type: "data", mimeType: STATUS_MEDIA_TYPE, data: { state } });

export const textOf = (m: Message | undefined): string =>
  (m?.parts ?? []).map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");

const stateName = (s: TaskState | undefined): string =>
  s === undefined ? "none" : TaskState[s]!.replace("TASK_STATE_", "");

/** A stream event as one line, `status WORKING @2 "text"`, for comparing whole streams at once. */
export const describeEvent = (e: StreamResponse): string => {
  switch (e.payload?.$case) {
    case "task":
      return `task ${stateName(e.payload.value.status?.state)} @${String(e.payload.value.metadata?.seq)}`;
    case "statusUpdate": {
      const u = e.payload.value;
      const text = textOf(u.status?.message);
      return `status ${stateName(u.status?.state)} @${String(u.metadata?.seq)}${text ? ` ${JSON.stringify(text)}` : ""}`;
    }
    default:
      return e.payload?.$case ?? "none";
  }
};
