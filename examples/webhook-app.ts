// A task-manager app that holds no socket: it is only an HTTP server. It
// registers a webhook, verifies every request's Standard Webhooks signature,
// answers the hub's callbacks (task/create, message/authorize) in its HTTP
// responses, and receives its events as POSTs.
//
// Start the hub with --webhook-allow-private (the example listens on
// http://127.0.0.1, which the hub refuses otherwise), then:
//   SWITCHBOARD_ADMIN_TOKEN=... npm run example:webhook-app
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, RpcError } from "../client/index.ts";
import { adminClient, fresh, hubUrl, say } from "./lib.ts";

const httpBase = hubUrl.replace(/^ws/, "http").replace(/\/ws$/, "");

/** One JSON-RPC call over POST /rpc: all an app without a socket needs. */
const rpc = async (token: string, method: string, params: unknown = {}) => {
  const res = await fetch(`${httpBase}/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const frame = (await res.json()) as { result?: any; error?: { message: string } };
  if (frame.error) throw new Error(`${method}: ${frame.error.message}`);
  return frame.result;
};

/** Standard Webhooks: HMAC-SHA256 of `id.timestamp.body` with the secret's bytes; any listed signature may match. */
const verified = (secret: string, req: IncomingMessage, body: string): boolean => {
  const id = String(req.headers["webhook-id"]);
  const timestamp = Number(req.headers["webhook-timestamp"]);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false; // replay window
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return String(req.headers["webhook-signature"])
    .split(" ")
    .some((sig) => {
      const given = Buffer.from(sig.slice(3), "base64");
      return sig.startsWith("v1,") && given.length === expected.length && timingSafeEqual(given, expected);
    });
};

const admin = await adminClient();
const made = await admin.call("admin/app/create", {
  name: fresh("webhook-tm"),
  scopes: ["actions.invoke"],
  capabilities: ["intent.write"],
  manifest: { hooks: { messageAuthorize: true } },
});
const TM = made.app.name;

// The app's rules: what a socket app would put in its callback handlers.
const answer = (method: string, params: any): unknown => {
  if (method === "task/create") {
    if (!params.task.title) {
      say(TM, `rejects task ${params.task.id}: no title`);
      return { verdict: "reject", reason: "every task needs a title" };
    }
    say(TM, `accepts task ${params.task.id} "${params.task.title}"`);
    return { verdict: "accept" };
  }
  const text = params.message.parts.map((p: any) => (p.type === "text" ? p.text : "")).join(" ");
  if (/password/i.test(text)) {
    say(TM, `blocks a message from ${params.message.senderId}`);
    return { decision: "block", reason: "never share passwords in a conversation" };
  }
  return { decision: "forward" };
};

let secret = "";
let eventArrived: (method: string) => void = () => {};
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (!verified(secret, req, body)) {
      res.writeHead(401).end();
      return;
    }
    const frame = JSON.parse(body) as { id?: string; method: string; params: any };
    if (frame.id === undefined) {
      // An event: acknowledge with any 2xx; webhook-id is stable across retries, for deduplication.
      say(TM, `event ${frame.method} (webhook-id ${String(req.headers["webhook-id"])})`);
      res.writeHead(204).end();
      eventArrived(frame.method);
      return;
    }
    // A callback: the response body is the JSON-RPC response.
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ jsonrpc: "2.0", id: frame.id, result: answer(frame.method, frame.params) }));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/switchboard`;
try {
  ({ secret } = await rpc(made.token, "app/webhook/set", { url }));
} catch (err) {
  console.error(`${(err as Error).message}\nStart the hub with --webhook-allow-private to let it call ${url}.`);
  process.exit(1);
}
say(TM, `webhook registered at ${url}`);

const a = await admin.call("admin/agent/create", { name: fresh("planner") });
const planner = await connect({ url: hubUrl, token: a.token });

// 1. Tasks: rejected without a title, accepted with one, both decided in the webhook's response.
try {
  await planner.call("task/request", { appId: made.app.id, invitedAgentIds: [] });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(a.agent.name, `task/request failed: ${err.tag} (${String(err.data.reason)})`);
}
const { task, conversation } = await planner.call("task/request", {
  appId: made.app.id,
  invitedAgentIds: [],
  title: "Ship v1",
  initialConversation: {},
});
say(a.agent.name, `task ${task.id} is ${task.status}`);

// 2. Messages pass through the app's hook, over the webhook too.
const ref = { taskId: task.id, conversationId: conversation!.id };
await planner.call("messages/send", { ...ref, parts: [{ type: "text", text: "Status: on track." }] });
try {
  await planner.call("messages/send", { ...ref, parts: [{ type: "text", text: "the password is hunter2" }] });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(a.agent.name, `send failed: ${err.tag} (${String(err.data.reason)})`);
}

// 3. Events: a user turns down the app's consent request; the app hears of it by webhook.
const u = await admin.call("admin/user/create", { name: "Ada" });
const user = await connect({ url: hubUrl, token: u.token });
const arrived = new Promise<string>((resolve) => (eventArrived = resolve));
const { consent } = await rpc(made.token, "consent/request", {
  userId: u.user.id,
  capabilities: ["intent.write"],
  scope: "actions.invoke",
});
await user.call("consent/reject", { consentId: consent.id });
say(TM, `received ${await arrived}`);
const { items } = await rpc(made.token, "app/webhook/deliveries", { limit: 10 });
say(TM, `last ${items.length} webhook requests: ${items.map((d: any) => `${d.method} ${d.outcome}`).join(", ")}`);

await Promise.all([planner.close(), user.close(), admin.close()]);
server.close();
