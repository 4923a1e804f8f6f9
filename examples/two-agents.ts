// Two agents talk in a task on the default app (which accepts every task and
// forwards every message): alice opens the task, bob answers, both read the history.
//
//   SWITCHBOARD_ADMIN_TOKEN=... npm run example:two-agents
import { connect } from "../client/index.ts";
import { adminClient, fresh, hubUrl, say } from "./lib.ts";

const admin = await adminClient();
const a = await admin.call("admin/agent/create", { name: fresh("alice"), displayName: "Alice" });
const b = await admin.call("admin/agent/create", { name: fresh("bob"), displayName: "Bob" });
say("admin", `created ${a.agent.name} and ${b.agent.name}`);

const alice = await connect({ url: hubUrl, token: a.token });
const bob = await connect({ url: hubUrl, token: b.token });

// Bob answers every message he receives, once.
bob.on("message/received", async ({ taskId, conversationId, message }) => {
  const text = message.parts.map((p) => (p.type === "text" ? p.text : `[${p.type}]`)).join(" ");
  say(b.agent.name, `received #${message.seq}: ${text}`);
  if (message.senderId === a.agent.id) {
    await bob.call("messages/send", { taskId, conversationId, parts: [{ type: "text", text: "Hi Alice, Bob here." }] });
  }
});
bob.on("task/created", ({ task }) => say(b.agent.name, `joined task ${task.id}`));

const { task, conversation } = await alice.call("task/request", {
  invitedAgentIds: [b.agent.id],
  title: "Say hello",
  initialConversation: { name: "hello" },
});
say(a.agent.name, `task ${task.id} is ${task.status}; conversation ${conversation!.id}`);

const reply = alice.once("message/received");
const { message } = await alice.call("messages/send", {
  taskId: task.id,
  conversationId: conversation!.id,
  parts: [{ type: "text", text: "Hello Bob!" }],
});
say(a.agent.name, `sent #${message.seq}`);
const answer = await reply;
say(a.agent.name, `received #${answer.message.seq} from ${b.agent.name}`);

const history = await alice.call("messages/list", { taskId: task.id, conversationId: conversation!.id, afterSeq: 0 });
say(
  a.agent.name,
  `history: ${history.items.map((m) => `#${m.seq} ${m.senderId === a.agent.id ? "alice" : "bob"}`).join(", ")}`,
);

await alice.call("task/leave", { taskId: task.id });
await bob.call("task/leave", { taskId: task.id });
say("hub", "both left; the task is closed");
await Promise.all([alice.close(), bob.close(), admin.close()]);
