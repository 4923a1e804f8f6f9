// An app that declares its own actions and serves them: the jukebox app
// declares play, pause, add_to_queue and clear_history; Ada plays a song, her
// agent queues one after she confirms it, the agent may not clear the
// history, and Ada pauses over the HTTP form.
//
//   SWITCHBOARD_ADMIN_TOKEN=... npm run example:jukebox-app
import { connect, RpcError } from "../client/index.ts";
import { Actions, invokeOverHttp } from "../client/actions.ts";
import type { ActionDeclaration } from "../protocol/index.ts";
import { adminClient, fresh, hubUrl, say } from "./lib.ts";

const Item = { type: "object", properties: { item_id: { type: "string", minLength: 1 } }, required: ["item_id"] };
const State = {
  type: "object",
  properties: { status: { enum: ["playing", "paused"] }, current: { type: "string" }, queue: { type: "array" } },
  required: ["status"],
};
const declarations: ActionDeclaration[] = [
  {
    id: "play",
    type: "action",
    name: "Play",
    description: "Start playback of a song.",
    permissions: { user: "allowed", agent: "allowed" },
    side_effects: "local",
    schema: { input: Item, output: State },
  },
  {
    id: "pause",
    type: "action",
    name: "Pause",
    description: "Pause playback.",
    permissions: { user: "allowed", agent: "allowed" },
    side_effects: "local",
    schema: { input: { type: "object", properties: {} }, output: State },
  },
  {
    id: "add_to_queue",
    type: "action",
    name: "Add to queue",
    description: "Queue a song; an agent needs its owner's confirmation.",
    permissions: { user: "allowed", agent: "confirmation_required" },
    side_effects: "local",
    schema: { input: Item, output: State },
  },
  {
    id: "clear_history",
    type: "action",
    name: "Clear history",
    description: "Forget everything played. Irreversible.",
    permissions: { user: "confirmation_required", agent: "forbidden" },
    side_effects: "destructive",
    schema: { input: { type: "object", properties: {} }, output: State },
  },
];

const admin = await adminClient();
const ada = await admin.call("admin/user/create", { name: "Ada" });
const agentMade = await admin.call("admin/agent/create", { name: fresh("ada-helper"), ownerUserId: ada.user.id });
const made = await admin.call("admin/app/create", { name: fresh("jukebox") });
const JUKEBOX = made.app.name;

// The app: declare the actions, then serve them from its own state.
const appClient = await connect({ url: hubUrl, token: made.token });
const app = new Actions(appClient);
const entries = await app.declare(declarations);
say(JUKEBOX, `declared ${entries.map((e) => `${e.id}${e.standard ? " (standard)" : ""}`).join(", ")}`);
const state = { status: "paused" as "playing" | "paused", current: "", queue: [] as string[] };
app.serve({
  play: ({ item_id }) => Object.assign(state, { status: "playing", current: String(item_id) }),
  pause: () => Object.assign(state, { status: "paused" }),
  add_to_queue: ({ item_id }) => (state.queue.push(String(item_id)), state),
  clear_history: () => Object.assign(state, { queue: [] }),
});

// Ada, and the agent that acts for her.
const adaClient = await connect({ url: hubUrl, token: ada.token });
const adaActions = new Actions(adaClient);
// Ada approves what her agent asks; each answer is kept so the agent can wait for it.
const answers = new Map<string, Promise<void>>();
const waiting = new Map<string, (answer: Promise<void>) => void>();
adaClient.on("action/confirmation-requested", ({ confirmationId, action, params, invoker }) => {
  say("Ada", `${invoker.type} ${invoker.id} wants ${action} ${JSON.stringify(params)}; approving`);
  const answer = adaActions.confirm(confirmationId, true);
  answers.set(confirmationId, answer);
  waiting.get(confirmationId)?.(answer);
});
const answerTo = (confirmationId: string): Promise<void> =>
  answers.get(confirmationId) ??
  new Promise<Promise<void>>((resolve) => waiting.set(confirmationId, resolve)).then((answer) => answer);
const agentClient = await connect({ url: hubUrl, token: agentMade.token });
const agent = new Actions(agentClient);

const playing = await adaActions.invoke(`${JUKEBOX}.play`, { item_id: "song-1" });
say("Ada", `play → ${JSON.stringify(playing)}`);

// The agent's add_to_queue needs Ada's confirmation: invokeConfirmed waits for her answer, then repeats.
const queued = await agent.invokeConfirmed(`${JUKEBOX}.add_to_queue`, { item_id: "song-2" }, answerTo);
say(agentMade.agent.name, `add_to_queue → ${JSON.stringify(queued)}`);

try {
  await agent.invoke(`${JUKEBOX}.clear_history`, {});
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(agentMade.agent.name, `clear_history → ${err.tag}: ${err.message}`);
}

// The HTTP form, with the user's own token.
const httpBase = hubUrl.replace(/^ws/, "http").replace(/\/ws$/, "");
const paused = await invokeOverHttp(httpBase, ada.token, `${JUKEBOX}.pause`, {});
say("Ada", `POST /api/actions/${JUKEBOX}.pause → ${paused.status} ${JSON.stringify(paused.body)}`);

await Promise.all([adaClient.close(), agentClient.close(), appClient.close(), admin.close()]);
