import type { A2a } from "../../protocol/index.ts";
import { SEQ_EXTENSION_URI } from "./mapping.ts";

/** The A2A protocol version the edge speaks (A2A 1.0, as @a2a-js/sdk 1.x does). */
export const A2A_VERSION = "1.0";

const SCHEME = "switchboard";

const common = {
  capabilities: {
    streaming: true,
    pushNotifications: true,
    extendedAgentCard: false,
    extensions: [
      {
        uri: SEQ_EXTENSION_URI,
        description:
          "Every streamed event carries metadata.seq, the conversation's gapless sequence number, and the SSE id of the same value; SubscribeToTask with the HTTP header Last-Event-ID: <seq> replays every event after it, in order, from the durable log.",
        required: false,
      },
    ],
  },
  securitySchemes: {
    [SCHEME]: {
      httpAuthSecurityScheme: {
        description:
          "A bearer token the hub's admin issues to an a2a-client (admin/a2a-client/create): Authorization: Bearer sb_a2a.<client id>.<secret>.",
        scheme: "Bearer",
        bearerFormat: "sb_a2a.<client id>.<secret>",
      },
    },
  },
  securityRequirements: [{ schemes: { [SCHEME]: { list: [] } } }],
} as const;

const TEXT_AND_JSON = ["text/plain", "application/json"];

/** The card of one exposed agent, whose JSON-RPC endpoint is `<base>/a2a/<name>`. */
export const agentCard = (base: string, agentName: string, e: A2a.A2aExposure): A2a.AgentCard => ({
  name: e.name,
  description: e.description,
  supportedInterfaces: [{ url: `${base}/a2a/${agentName}`, protocolBinding: "JSONRPC", protocolVersion: A2A_VERSION }],
  ...(e.provider ? { provider: { url: e.provider.url, organization: e.provider.organization } } : {}),
  version: e.version ?? "1.0.0",
  ...(e.documentationUrl ? { documentationUrl: e.documentationUrl } : {}),
  ...common,
  defaultInputModes: [...(e.defaultInputModes ?? TEXT_AND_JSON)],
  defaultOutputModes: [...(e.defaultOutputModes ?? TEXT_AND_JSON)],
  skills: [...e.skills],
  ...(e.iconUrl ? { iconUrl: e.iconUrl } : {}),
});

/**
 * The hub's own card, at /.well-known/agent-card.json: a host of many
 * agents. A2A 1.0 gives such a host the `tenant` of AgentInterface (8.3.2):
 * one interface per exposed agent at `<base>/a2a`, its tenant the agent's
 * name, and each agent's skills under ids prefixed with that name.
 */
export const hostCard = (
  base: string,
  version: string,
  agents: ReadonlyArray<{ readonly name: string; readonly exposure: A2a.A2aExposure }>,
): A2a.AgentCard => ({
  name: "Switchboard",
  description: `A Switchboard hub exposing ${agents.length} agent${agents.length === 1 ? "" : "s"} over A2A: ${agents
    .map((a) => `${a.name} (${a.exposure.name})`)
    .join(
      ", ",
    )}. Each interface reaches one agent through its tenant; each agent also has its own card at ${base}/a2a/<name>/.well-known/agent-card.json.`,
  supportedInterfaces: agents.map((a) => ({
    url: `${base}/a2a`,
    protocolBinding: "JSONRPC",
    tenant: a.name,
    protocolVersion: A2A_VERSION,
  })),
  version,
  ...common,
  defaultInputModes: TEXT_AND_JSON,
  defaultOutputModes: TEXT_AND_JSON,
  skills: agents.flatMap((a) =>
    a.exposure.skills.map((s) => ({ ...s, id: `${a.name}/${s.id}`, tags: [...s.tags, a.name] })),
  ),
});
