// A task-manager app: it accepts tasks that have a title and rejects the others,
// opens and archives conversations, and blocks messages that look like they
// carry a password. Two agents then exercise it.
//
//   SWITCHBOARD_ADMIN_TOKEN=... npm run example:task-manager
import { connect, RpcError } from "../client/index.ts";
import { adminClient, fresh, hubUrl, say } from "./lib.ts";

const admin = await adminClient();
const made = await admin.call("admin/app/create", {
  name: fresh("task-manager"),
  manifest: { hooks: { messageAuthorize: true } },
});
const app = await connect({ url: hubUrl, token: made.token });
const TM = made.app.name;

// The app's rules, served as callbacks from the hub.
app.handle("task/create", ({ task }) => {
  if (!task.title) {
    say(TM, `rejects task ${task.id}: no title`);
    return { verdict: "reject", reason: "every task needs a title" };
  }
  say(TM, `accepts task ${task.id} "${task.title}"`);
  return { verdict: "accept" };
});
app.handle("message/authorize", ({ message }) => {
  const text = message.parts.map((p) => (p.type === "text" ? p.text : "")).join(" ");
  if (/password/i.test(text)) {
    say(TM, `blocks a message from ${message.senderId}`);
    return { decision: "block", reason: "never share passwords in a conversation" };
  }
  return { decision: "forward" };
});

const a = await admin.call("admin/agent/create", { name: fresh("planner") });
const b = await admin.call("admin/agent/create", { name: fresh("builder") });
const planner = await connect({ url: hubUrl, token: a.token });
const builder = await connect({ url: hubUrl, token: b.token });
builder.on("message/received", ({ message }) => say(b.agent.name, `received #${message.seq}`));

// 1. A task without a title is rejected by the app.
try {
  await planner.call("task/request", { appId: made.app.id, invitedAgentIds: [b.agent.id] });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(a.agent.name, `task/request failed: ${err.tag} (${String(err.data.reason)})`);
}

// 2. With a title it is accepted; the app then opens a conversation in it.
const { task } = await planner.call("task/request", {
  appId: made.app.id,
  invitedAgentIds: [b.agent.id],
  title: "Ship v1",
});
const { conversation } = await app.call("app/conversation/create", {
  taskId: task.id,
  name: "standup",
  participants: [a.agent.id, b.agent.id],
});
say(TM, `opened conversation ${conversation.id}`);

// 3. Messages go through the app's hook: one is forwarded, one is blocked.
const ref = { taskId: task.id, conversationId: conversation.id };
const ok = await planner.call("messages/send", { ...ref, parts: [{ type: "text", text: "Status: on track." }] });
say(a.agent.name, `sent #${ok.message.seq}`);
try {
  await planner.call("messages/send", { ...ref, parts: [{ type: "text", text: "the password is hunter2" }] });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(a.agent.name, `send failed: ${err.tag} (${String(err.data.reason)})`);
}

// 4. The app archives the conversation (no more messages) and closes the task.
await app.call("app/conversation/update", { ...ref, action: { type: "archive" } });
say(TM, "archived the conversation");
try {
  await builder.call("messages/send", { ...ref, parts: [{ type: "text", text: "one more thing" }] });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(b.agent.name, `send failed: ${err.tag}`);
}
const closed = await app.call("task/close", { taskId: task.id });
say(TM, `closed task ${closed.task.id}: ${closed.task.status}`);

await Promise.all([planner.close(), builder.close(), app.close(), admin.close()]);
