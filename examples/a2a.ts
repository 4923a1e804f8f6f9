// An A2A client that knows nothing of Switchboard talks to a Switchboard agent
// through the hub (docs/A2A.md). The agent exposes itself with an A2A card and
// answers with ordinary messages/send; the caller uses only the official
// @a2a-js/sdk client: it resolves the card, sends a message, streams a
// three-part answer, and replays the task's events from the durable log.
//
//   SWITCHBOARD_ADMIN_TOKEN=... npm run example:a2a
import { randomUUID } from "node:crypto";
import { Role, TaskState, type Message, type StreamResponse } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { connect } from "../client/index.ts";
import { adminClient, fresh, hubUrl, say } from "./lib.ts";

const httpUrl = hubUrl.replace(/^ws/, "http").replace(/\/ws$/, "");
const STATUS = "application/vnd.switchboard.a2a-status+json";

// The Switchboard side: an agent that exposes itself and answers.
const admin = await adminClient();
const made = await admin.call("admin/agent/create", { name: fresh("helper") });
const agent = await connect({ url: hubUrl, token: made.token });
await agent.call("a2a/expose", {
  card: {
    name: "Helper",
    description: "Answers questions; asked for a list, streams it item by item.",
    skills: [{ id: "answer", name: "Answer", description: "Answers a question.", tags: ["qa"] }],
  },
});
agent.on("message/received", async ({ taskId, conversationId, message }) => {
  const text = message.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
  say(made.agent.name, `received #${message.seq}: ${text}`);
  const send = (t: string, state?: string) =>
    agent.call("messages/send", {
      taskId,
      conversationId,
      parts: [
        { type: "text", text: t },
        ...(state ? [{ type: "data" as const, mimeType: STATUS, data: { state } }] : []),
      ],
    });
  if (text.startsWith("list")) {
    await send("apples", "working");
    await send("pears", "working");
    await send("plums", "completed");
  } else await send(`You asked: "${text}". The answer is 42.`);
});

// The A2A side: an a2a-client the admin created, with nothing but the A2A SDK.
const { client: caller, token } = await admin.call("admin/a2a-client/create", { name: fresh("outside") });
say("admin", `exposed ${made.agent.name}; a2a-client ${caller.name} may call it`);
const fetchImpl: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const factory = new ClientFactory(
  ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl })],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
  }),
);
const a2a = await factory.createFromUrl(`${httpUrl}/a2a/${made.agent.name}/`);
say("a2a client", `resolved the card of "${(await a2a.getAgentCard()).name}"`);

const message = (text: string): Message => ({
  messageId: randomUUID(),
  contextId: "",
  taskId: "",
  role: Role.ROLE_USER,
  parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "" }],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});
const textOf = (m: Message | undefined) =>
  (m?.parts ?? []).map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");
const line = (e: StreamResponse) =>
  e.payload?.$case === "task"
    ? `task ${TaskState[e.payload.value.status!.state]}`
    : e.payload?.$case === "statusUpdate"
      ? `#${String(e.payload.value.metadata?.seq)} ${TaskState[e.payload.value.status!.state]} ${textOf(e.payload.value.status?.message)}`
      : (e.payload?.$case ?? "");

const answer = await a2a.sendMessage({
  tenant: "",
  message: message("What is six times seven?"),
  configuration: undefined,
  metadata: undefined,
});
if ("status" in answer) say("a2a client", `${TaskState[answer.status!.state]}: ${textOf(answer.status?.message)}`);

let taskId = "";
for await (const e of a2a.sendMessageStream({
  tenant: "",
  message: message("list three fruits"),
  configuration: undefined,
  metadata: undefined,
})) {
  if (e.payload?.$case === "task") taskId = e.payload.value.id;
  say("a2a client", `stream: ${line(e)}`);
}
for await (const e of a2a.resubscribeTask(
  { tenant: "", id: taskId },
  { serviceParameters: { "Last-Event-ID": "1" } },
)) {
  say("a2a client", `replay: ${line(e)}`);
}

await agent.close();
await admin.close();
