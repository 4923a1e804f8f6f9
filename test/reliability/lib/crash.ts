import { join } from "node:path";
import { connect, RpcError, type SwitchboardClient } from "../../../client/index.ts";
import { ChildHub, freePort, newAdminToken } from "../../helpers/child-hub.ts";
import { prng } from "./fuzz-inputs.ts";
import { integrity, openReadOnly, seqGaps } from "./state.ts";

/**
 * Crash safety: the hub runs as its own process on a SQLite file; agents
 * send concurrently; the process is killed with SIGKILL at a random moment
 * and restarted on the same file. After every restart:
 *
 * - `PRAGMA integrity_check` is "ok";
 * - every message whose send was acknowledged is stored, with the id and seq
 *   it was acknowledged with;
 * - each conversation's seqs run 1..last_seq with no gap and no repeat;
 * - each agent's event log holds exactly one message/received per message
 *   addressed to it (no event without its message, no message without its
 *   event), in increasing cursor order, and events/replay returns the
 *   listener's whole log;
 * - sends whose outcome was unknown (in flight at the kill) are sent again
 *   with the same clientMessageId: one message each, never two.
 *
 * A listener agent in every conversation stays connected through the
 * crashes with the client's reconnect-and-resume; at the end it must have
 * received every acknowledged message, once.
 */
export interface CrashOptions {
  readonly rounds: number;
  readonly seed: number;
  readonly dir: string;
  /** Sending agents (two per conversation). */
  readonly senders?: number;
  /** Sends each sender keeps in flight. */
  readonly window?: number;
  /** The kill comes this many milliseconds after traffic starts, at random between the two. */
  readonly killAfterMs?: readonly [number, number];
  readonly progress?: (line: string) => void;
}

export interface CrashReport {
  readonly rounds: number;
  readonly acknowledged: number;
  /** Sends in flight at a kill, whose outcome the client could not know. */
  readonly uncertain: number;
  /** Of those, how many had been stored before the kill (found again by clientMessageId). */
  readonly uncertainStored: number;
  readonly messagesStored: number;
  readonly listenerReceived: number;
  readonly listenerDuplicates: number;
  readonly killDelaysMs: number[];
  readonly restartMs: number[];
  readonly problems: string[];
}

export interface Acked {
  readonly id: string;
  readonly seq: number;
  readonly conversationId: string;
}

export const crashRounds = async (options: CrashOptions): Promise<CrashReport> => {
  const say = options.progress ?? (() => {});
  const rand = prng(options.seed);
  const [killMin, killMax] = options.killAfterMs ?? [150, 1200];
  const senderCount = options.senders ?? 6;
  const window = options.window ?? 4;
  const problems: string[] = [];
  const db = join(options.dir, "hub.db");
  const adminToken = newAdminToken();
  const port = await freePort();
  const start = () => ChildHub.start({ db, port, adminToken, flags: { "heartbeat-ms": "0" } });
  let hub = await start();

  // The cast: senders in pairs, one conversation per pair, and a listener in all of them.
  const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
  const make = async (name: string) => {
    const { agent, token } = await admin.call("admin/agent/create", { name });
    return { id: agent.id as string, token };
  };
  const listenerMade = await make("listener");
  const senders = await Promise.all(Array.from({ length: senderCount }, (_, i) => make(`sender-${i}`)));
  const conversations: Array<{ taskId: string; conversationId: string; members: string[] }> = [];
  for (let i = 0; i + 1 < senders.length; i += 2) {
    const a = senders[i]!;
    const b = senders[i + 1]!;
    const client = await connect({ url: hub.wsUrl, token: a.token, reconnect: false });
    const { task, conversation } = await client.call("task/request", {
      invitedAgentIds: [b.id, listenerMade.id],
      initialConversation: {},
    });
    conversations.push({ taskId: task.id, conversationId: conversation!.id, members: [a.id, b.id] });
    await client.close();
  }
  await admin.close();

  const listener = await connect({
    url: hub.wsUrl,
    token: listenerMade.token,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  const heard = new Map<string, number>();
  listener.on("message/received", (p) => heard.set(p.message.id, (heard.get(p.message.id) ?? 0) + 1));

  const acked = new Map<string, Acked>();
  const uncertain = new Map<string, { sender: (typeof senders)[number]; taskId: string; conversationId: string }>();
  const killDelaysMs: number[] = [];
  const restartMs: number[] = [];
  let uncertainStored = 0;
  let uncertainTotal = 0;

  for (let round = 1; round <= options.rounds; round++) {
    const before = acked.size;
    // Traffic: every sender keeps `window` sends in flight until its socket dies.
    const clients: SwitchboardClient[] = await Promise.all(
      senders.map((s) => connect({ url: hub.wsUrl, token: s.token, reconnect: false, callTimeoutMs: 60_000 })),
    );
    let n = 0;
    const loops = senders.map(async (sender, si) => {
      const client = clients[si]!;
      const place = conversations[Math.floor(si / 2)]!;
      const lane = async () => {
        while (client.connected) {
          const clientMessageId = `${sender.id}-${round}-${++n}`;
          uncertain.set(clientMessageId, { sender, taskId: place.taskId, conversationId: place.conversationId });
          try {
            const { message } = await client.call("messages/send", {
              taskId: place.taskId,
              conversationId: place.conversationId,
              parts: [{ type: "text", text: `round ${round} from ${sender.id}` }],
              clientMessageId,
            });
            uncertain.delete(clientMessageId);
            acked.set(clientMessageId, { id: message.id, seq: message.seq, conversationId: message.conversationId });
          } catch (err) {
            if (err instanceof RpcError) {
              uncertain.delete(clientMessageId);
              problems.push(`round ${round}: a send was refused: ${err.tag} ${err.message}`);
            }
            return; // the connection is gone: the outcome of this send is unknown
          }
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    });

    const delay = Math.round(killMin + rand() * (killMax - killMin));
    killDelaysMs.push(delay);
    await new Promise((resolve) => setTimeout(resolve, delay));
    const killed = await hub.kill("SIGKILL");
    if (killed.signal !== "SIGKILL")
      problems.push(`round ${round}: the hub exited with ${killed.code} before the kill`);
    await Promise.all(loops);
    await Promise.all(clients.map((c) => c.close()));
    uncertainTotal += uncertain.size;

    const restarted = performance.now();
    hub = await start();
    restartMs.push(Math.round(performance.now() - restarted));

    // Sends of unknown outcome, again with the same clientMessageId: stored once, whatever happened.
    const ro = openReadOnly(db);
    const byClientId = ro.prepare<[string], { id: string }>("SELECT id FROM messages WHERE client_message_id = ?");
    const retry = new Map<string, SwitchboardClient>();
    for (const [clientMessageId, u] of uncertain) {
      const storedBefore = byClientId.get(clientMessageId)?.id;
      if (storedBefore) uncertainStored++;
      let client = retry.get(u.sender.id);
      if (!client)
        retry.set(u.sender.id, (client = await connect({ url: hub.wsUrl, token: u.sender.token, reconnect: false })));
      const { message } = await client.call("messages/send", {
        taskId: u.taskId,
        conversationId: u.conversationId,
        parts: [{ type: "text", text: `retry from ${u.sender.id}` }],
        clientMessageId,
      });
      if (storedBefore && message.id !== storedBefore) {
        problems.push(`round ${round}: retrying ${clientMessageId} made ${message.id}, but ${storedBefore} was stored`);
      }
      acked.set(clientMessageId, { id: message.id, seq: message.seq, conversationId: message.conversationId });
    }
    uncertain.clear();
    await Promise.all([...retry.values()].map((c) => c.close()));

    problems.push(...checkStore(ro, acked, round));
    problems.push(...checkEventLogs(ro, [listenerMade.id, ...senders.map((s) => s.id)], round));
    ro.close();
    problems.push(...(await checkReplay(hub.wsUrl, listenerMade.token, round)));
    say(
      `round ${round}: killed after ${delay} ms; ${acked.size - before} messages acknowledged this round (retries included), ${acked.size} in all; restart took ${restartMs.at(-1)} ms`,
    );
  }

  // The listener, reconnecting and resuming through every crash, must end up with every message once.
  const deadline = Date.now() + 60_000;
  while (heard.size < acked.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const missing = [...acked.values()].filter((a) => !heard.has(a.id));
  if (missing.length > 0) problems.push(`the listener never received ${missing.length} acknowledged messages`);
  const duplicates = [...heard.values()].filter((c) => c > 1).length;
  if (duplicates > 0) problems.push(`the listener received ${duplicates} messages more than once`);
  await listener.close();

  const stopped = await hub.kill("SIGTERM");
  if (stopped.code !== 0) problems.push(`graceful stop exited with ${stopped.code ?? stopped.signal}`);
  const ro = openReadOnly(db);
  const finalIntegrity = integrity(ro);
  if (finalIntegrity !== "ok") problems.push(`after the last stop: integrity_check says ${finalIntegrity}`);
  const messagesStored = ro.prepare<[], number>("SELECT count(*) FROM messages").pluck().get()!;
  ro.close();
  return {
    rounds: options.rounds,
    acknowledged: acked.size,
    uncertain: uncertainTotal,
    uncertainStored,
    messagesStored,
    listenerReceived: heard.size,
    listenerDuplicates: duplicates,
    killDelaysMs,
    restartMs,
    problems,
  };
};

type Ro = ReturnType<typeof openReadOnly>;

export const checkStore = (ro: Ro, acked: ReadonlyMap<string, Acked>, round: number): string[] => {
  const problems: string[] = [];
  const check = integrity(ro);
  if (check !== "ok") problems.push(`round ${round}: integrity_check says ${check}`);
  const stored = new Map(
    ro
      .prepare<[], { id: string; seq: number; conversation: string; client: string }>(
        `SELECT m.id, m.seq, c.id AS conversation, m.client_message_id AS client
         FROM messages m JOIN conversations c ON c.pk = m.conversation_pk`,
      )
      .all()
      .map((r) => [r.client, r]),
  );
  let lost = 0;
  for (const [clientId, a] of acked) {
    const s = stored.get(clientId);
    if (!s) lost++;
    else if (s.id !== a.id || s.seq !== a.seq || s.conversation !== a.conversationId) {
      problems.push(
        `round ${round}: ${clientId} was acknowledged as ${a.id} seq ${a.seq} but is stored as ${s.id} seq ${s.seq}`,
      );
    }
  }
  if (lost > 0) problems.push(`round ${round}: ${lost} acknowledged messages are missing`);
  for (const g of seqGaps(ro))
    problems.push(
      `round ${round}: seqs of ${g.conversation} are not 1..${g.lastSeq}: ${g.count} messages, max ${g.maxSeq}`,
    );
  return problems;
};

/** Every message addressed to an agent has exactly one message/received in its log, in cursor order. */
export const checkEventLogs = (ro: Ro, agents: ReadonlyArray<string>, round: number): string[] => {
  const problems: string[] = [];
  const events = ro.prepare<[string], { cursor: number; params: string }>(
    `SELECT r.id AS cursor, e.params FROM event_recipients r JOIN events e ON e.id = r.event_id
     JOIN event_principals p ON p.key = r.principal
     WHERE p.principal = ? AND e.method = 'message/received' ORDER BY r.id`,
  );
  const addressed = ro
    .prepare<[string, string], string>(
      `SELECT m.id FROM messages m JOIN conversation_participants p ON p.conversation_pk = m.conversation_pk
       WHERE p.agent_id = ? AND m.sender_id <> ?`,
    )
    .pluck();
  for (const agent of agents) {
    const logged = events.all(agent).map((e) => (JSON.parse(e.params) as { message: { id: string } }).message.id);
    const expected = new Set(addressed.all(agent, agent));
    const seen = new Set<string>();
    let dup = 0;
    for (const id of logged) seen.has(id) ? dup++ : seen.add(id);
    const orphans = [...seen].filter((id) => !expected.has(id)).length;
    const unlogged = [...expected].filter((id) => !seen.has(id)).length;
    if (dup || orphans || unlogged) {
      problems.push(
        `round ${round}: ${agent}'s log has ${dup} duplicates, ${orphans} events without a message, ${unlogged} messages without an event`,
      );
    }
  }
  return problems;
};

/** events/replay from "0" returns the listener's whole log, in strictly increasing cursor order. */
const checkReplay = async (url: string, token: string, round: number): Promise<string[]> => {
  const client = await connect({ url, token, reconnect: false });
  const problems: string[] = [];
  let after = "0";
  let last = 0n;
  let count = 0;
  for (;;) {
    const page = await client.call("events/replay", { after, limit: 1000 });
    for (const item of page.items) {
      const c = BigInt(item.cursor);
      if (c <= last) problems.push(`round ${round}: replay went from cursor ${last} to ${c}`);
      last = c;
      count++;
    }
    if (page.nextCursor === undefined) break;
    after = page.nextCursor;
  }
  const ro = await client.call("events/replay", { after: String(last), limit: 1 });
  if (ro.items.length > 0) problems.push(`round ${round}: replay stopped before the end of the log`);
  await client.close();
  if (count === 0) problems.push(`round ${round}: the listener's log replayed empty`);
  return problems;
};
