/**
 * Two agents schedule a meeting with intents: Alice proposes, Bob counters,
 * Alice accepts the counter; then Alice retracts a message she sent by
 * mistake.
 *
 *   npm run example:schedule-meeting
 *
 * It talks to the hub at SWITCHBOARD_URL (e.g. ws://127.0.0.1:7700/ws) with
 * SWITCHBOARD_ADMIN_TOKEN when both are set, or else starts a hub of its own
 * on a temporary database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import {
  connect,
  intentOf,
  nextIntent,
  onIntent,
  respond,
  sendIntent,
  type SwitchboardClient,
} from "../client/index.ts";
import type { Message } from "../protocol/index.ts";

export interface Outcome {
  /** The meeting exchange as messages/list {correlationId} returns it: proposal, counter, acceptance. */
  readonly exchange: ReadonlyArray<Message>;
  /** The id of the message Alice retracted. */
  readonly retractedId: string;
}

export const scheduleMeeting = async (options: {
  readonly wsUrl: string;
  readonly adminToken: string;
  readonly log?: (line: string) => void;
}): Promise<Outcome> => {
  const log = options.log ?? (() => {});
  const clients: SwitchboardClient[] = [];
  const open = async (token: string) => {
    const client = await connect({ url: options.wsUrl, token, reconnect: false });
    clients.push(client);
    return client;
  };
  try {
    const admin = await open(options.adminToken);
    const suffix = randomBytes(3).toString("hex");
    const a = await admin.call("admin/agent/create", { name: `alice-${suffix}`, displayName: "Alice" });
    const b = await admin.call("admin/agent/create", { name: `bob-${suffix}`, displayName: "Bob" });
    const [alice, bob] = [await open(a.token), await open(b.token)];

    // Cards say which intents each agent sends and accepts; the hub enforces them.
    await alice.call("agent/card/update", {
      card: {
        displayName: "Alice's assistant",
        capabilities: {
          intentsSent: ["schedule_meeting", "schedule_meeting_response", "context_share", "retract"],
          intentsAccepted: ["schedule_meeting_response"],
        },
      },
    });
    await bob.call("agent/card/update", {
      card: {
        displayName: "Bob's assistant",
        capabilities: {
          intentsSent: ["schedule_meeting_response"],
          intentsAccepted: ["schedule_meeting", "schedule_meeting_response", "context_share", "retract"],
        },
      },
    });

    // Bob counters every proposal with a late-afternoon slot.
    onIntent(bob, "schedule_meeting", (proposal) => {
      log(`bob   <- schedule_meeting "${proposal.payload.topic}" at ${proposal.payload.proposedTimes.join(" or ")}`);
      respond(bob, proposal, {
        status: "countered",
        counterTimes: ["2025-06-03T16:00:00Z"],
        note: "Mornings are full; how about late afternoon?",
      }).catch((err: unknown) => log(`bob could not answer: ${String(err)}`));
    });

    // Alice accepts the first time of a counter-proposal, in the same exchange.
    onIntent(alice, "schedule_meeting_response", (answer) => {
      if (answer.payload.status !== "countered") return;
      const time = answer.payload.counterTimes?.[0];
      log(`alice <- schedule_meeting_response countered: ${time}`);
      if (time === undefined) return;
      sendIntent(
        alice,
        answer.message,
        "schedule_meeting_response",
        { status: "accepted", confirmedTime: time, meetingLink: "https://meet.example.com/roadmap" },
        { correlationId: answer.correlationId!, replyToId: answer.message.id },
      ).catch((err: unknown) => log(`alice could not accept: ${String(err)}`));
    });

    const { task, conversation } = await alice.call("task/request", {
      invitedAgentIds: [b.agent.id],
      title: "Roadmap review",
      initialConversation: {},
    });
    const ref = { taskId: task.id, conversationId: conversation!.id };

    const accepted = nextIntent(bob, "schedule_meeting_response", (r) => r.payload.status === "accepted");
    const proposal = await sendIntent(alice, ref, "schedule_meeting", {
      proposedTimes: ["2025-06-03T09:00:00Z", "2025-06-03T10:30:00Z"],
      topic: "Roadmap review",
      format: "video",
      urgency: "normal",
    });
    const done = await accepted;
    log(`bob   <- schedule_meeting_response accepted: ${done.payload.confirmedTime} ${done.payload.meetingLink}`);

    const { items: exchange } = await bob.call("messages/list", { ...ref, correlationId: proposal.correlationId! });
    log(`exchange ${proposal.correlationId}: ${exchange.map(describe).join(" -> ")}`);

    // A message sent by mistake, then withdrawn: Bob is told through his event log.
    const retracted = bob.once("message/retracted");
    const slip = await sendIntent(alice, ref, "context_share", {
      context: "Draft budget: see the finance sheet",
      category: "project_update",
    });
    await sendIntent(alice, ref, "retract", { targetMessageId: slip.id, reason: "Not final yet" });
    const { messageId } = await retracted;
    log(`bob   <- message/retracted ${messageId}`);
    return { exchange, retractedId: messageId };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
};

const describe = (m: Message): string => {
  const found = intentOf(m);
  if (!found) return "message";
  return "status" in found.payload ? `${found.intent}(${found.payload.status})` : found.intent;
};

/** Run against SWITCHBOARD_URL, or a hub of our own on a temporary database. */
const main = async (): Promise<void> => {
  const url = process.env.SWITCHBOARD_URL;
  const token = process.env.SWITCHBOARD_ADMIN_TOKEN;
  const log = (line: string) => console.log(line);
  if (url && token) {
    await scheduleMeeting({ wsUrl: url, adminToken: token, log });
    return;
  }
  const { startHub } = await import("../server/hub.ts");
  const { resolveConfig } = await import("../server/config.ts");
  const dir = mkdtempSync(join(tmpdir(), "sb-example-"));
  const adminToken = `sb_admin.admin.${randomBytes(32).toString("base64url")}`;
  const hub = await startHub(resolveConfig({}, {}, { port: 0, db: join(dir, "hub.db"), logLevel: "warn", adminToken }));
  try {
    await scheduleMeeting({ wsUrl: hub.wsUrl, adminToken, log });
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
