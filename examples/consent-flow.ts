// An app acts for a user, with her consent: the planner app asks Ada for
// consent, she approves, and the app creates an intent and sends a request on
// her behalf; Grace accepts it; Ada revokes the grant and the app can no
// longer act for her.
//
//   SWITCHBOARD_ADMIN_TOKEN=... npm run example:consent-flow
import { connect, RpcError } from "../client/index.ts";
import { Actions } from "../client/actions.ts";
import { adminClient, fresh, hubUrl, say } from "./lib.ts";

const admin = await adminClient();
const ada = await admin.call("admin/user/create", { name: "Ada" });
const grace = await admin.call("admin/user/create", { name: "Grace" });
// The admin decides what the app may ever do: its scopes and capabilities.
const made = await admin.call("admin/app/create", {
  name: fresh("planner"),
  scopes: ["actions.invoke", "events.subscribe"],
  capabilities: ["intent.write", "request.write"],
});
const PLANNER = made.app.name;
say("admin", `created users Ada and Grace, and the app ${PLANNER}`);

const adaClient = await connect({ url: hubUrl, token: ada.token });
const graceClient = await connect({ url: hubUrl, token: grace.token });
const appClient = await connect({ url: hubUrl, token: made.token });
const adaActions = new Actions(adaClient);
const graceActions = new Actions(graceClient);
const app = new Actions(appClient);

// Ada's side: a real client would show the request and let her decide.
adaClient.on("consent/requested", ({ consent }) => {
  say("Ada", `${PLANNER} asks for ${consent.capabilities.join(", ")}: "${consent.note}"; approving`);
  void adaActions.approveConsent(consent.id);
});
// Grace's side: she accepts requests she receives.
graceClient.on("request.sent", ({ payload }) => {
  say("Grace", `request ${payload.request.id} from ${payload.request.senderUserId}: "${payload.request.note}"`);
  void graceActions.invoke("request.accept", { requestId: payload.request.id });
});

// Before consent, auth/diagnose tells the app which check would fail, and why.
const before = await app.diagnose({ actorUserId: ada.user.id, action: "intent.create" });
say(PLANNER, `before consent, intent.create fails ${before.action?.failure}: ${before.action?.message}`);

const approved = appClient.once("consent/approved");
await app.requestConsent(ada.user.id, ["intent.write", "request.write"], "to find you a hiking partner");
const { grant } = await approved;
say(PLANNER, `holds grant ${grant.id} (${grant.executionMode}) for ${grant.capabilities.join(", ")}`);

// The app follows the requests of the users who granted it.
await app.subscribe(["request.*"]);
const accepted = appClient.once("request.accepted");

const intent = await app.invoke(
  "intent.create",
  { text: "Hike up the ridge on Saturday", framing: "weekend" },
  { actorUserId: ada.user.id, idempotencyKey: fresh("hike") },
);
say(PLANNER, `created intent ${intent.intentId} for Ada (actorUserId ${intent.actorUserId})`);
const sent = await app.invoke(
  "request.send",
  { intentId: intent.intentId, recipientUserId: grace.user.id, note: "Join Ada for a hike?" },
  { actorUserId: ada.user.id },
);
say(PLANNER, `sent request ${sent.requestId} to Grace: ${sent.status}`);

const event = await accepted;
say(PLANNER, `event ${event.event}: Grace ${event.payload.request.status} ${event.resource.id}`);

// Revocation counts at once.
await adaActions.revokeGrant(grant.id);
say("Ada", `revoked ${grant.id}`);
try {
  await app.invoke("intent.create", { text: "One more" }, { actorUserId: ada.user.id });
} catch (err) {
  if (!(err instanceof RpcError)) throw err;
  say(PLANNER, `after revocation: ${err.tag}`);
}

await Promise.all([adaClient.close(), graceClient.close(), appClient.close(), admin.close()]);
