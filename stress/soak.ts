/**
 * The soak (npm run soak): thousands of agents on one hub for minutes, with
 * connect/disconnect churn, acknowledgements and steady traffic, reporting
 * the hub's memory over time, events lost (must be 0) and duplicates.
 *
 *   npm run soak                                   # 2,000 agents, 10 minutes
 *   npm run soak -- --agents 500 --minutes 2       # a shorter one
 *
 * The hub runs as its own process. Agents sit in groups of five, one
 * conversation per group; every second some agents disconnect and come back
 * a few seconds later resuming from their last cursor; every few seconds
 * some acknowledge their events. Every acknowledged send must reach each of
 * the other four members, through live delivery or resume, exactly once
 * after the client's cursor de-duplication.
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execSync } from "node:child_process";
import { parseArgs } from "node:util";
import { connect, RpcError, SwitchboardClient } from "../client/index.ts";
import { ChildHub, freePort, newAdminToken } from "../test/helpers/child-hub.ts";
import { integrity, openReadOnly } from "../test/reliability/lib/state.ts";
import { percentile } from "./latency.ts";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "2000" },
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "200" },
    churn: { type: "string", default: "20" },
    sample: { type: "string", default: "30" },
  },
});
const AGENTS = Number(values.agents);
const SECONDS = Number(values.minutes) * 60;
const RATE = Number(values.rate);
const CHURN = Number(values.churn);
const SAMPLE_S = Number(values.sample);
const GROUP = 5;

const say = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  execSync("uptime")
    .toString()
    .trim()
    .replace(/^.*load average: /, "load ");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pool = async <T, R>(
  items: ReadonlyArray<T>,
  width: number,
  fn: (x: T, i: number) => Promise<R>,
): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
};

interface AgentState {
  readonly id: string;
  readonly token: string;
  readonly group: number;
  client: SwitchboardClient | undefined;
  attaching: boolean;
  cursor: string | undefined;
  readonly received: Set<string>;
  duplicates: number;
  /** Sends whose outcome a disconnect left unknown: sent again, same clientMessageId, on reconnect. */
  readonly unsure: Array<{ clientMessageId: string }>;
}

const dir = mkdtempSync(join(tmpdir(), "sb-soak-"));
const db = join(dir, "hub.db");
const adminToken = newAdminToken();
const hub = await ChildHub.start({ db, port: await freePort(), adminToken });
say(
  `# Switchboard soak: ${AGENTS} agents in groups of ${GROUP}, ${RATE} sends/s, ${CHURN} disconnects/s, ${SECONDS / 60} min (${load()})`,
);

const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
const made = await pool(
  Array.from({ length: AGENTS }, (_, i) => i),
  20,
  async (i) => {
    const { agent, token } = await admin.call("admin/agent/create", { name: `soak-${i}` });
    return { id: agent.id, token };
  },
);
await admin.close();
const agents: AgentState[] = made.map((m, i) => ({
  ...m,
  group: Math.floor(i / GROUP),
  client: undefined,
  attaching: false,
  cursor: undefined,
  received: new Set(),
  duplicates: 0,
  unsure: [],
}));
const groups: Array<{ taskId: string; conversationId: string; members: AgentState[] }> = [];

const attach = async (a: AgentState): Promise<void> => {
  if (a.client || a.attaching) return;
  a.attaching = true;
  const client = new SwitchboardClient({
    url: hub.wsUrl,
    token: a.token,
    reconnect: false,
    callTimeoutMs: 60_000,
    ...(a.cursor !== undefined ? { resumeAfter: a.cursor } : {}),
  });
  client.on("message/received", (p) => {
    if (a.received.has(p.message.id)) a.duplicates++;
    else a.received.add(p.message.id);
  });
  client.onConnection((e) => {
    if (e.type === "reset") say(`!! ${a.id} was told to reset (cursor expired): events may be lost`);
    if (e.type === "closed" && a.client === client) {
      a.cursor = client.cursor;
      a.client = undefined;
    }
  });
  try {
    await client.open();
  } finally {
    a.attaching = false;
  }
  a.client = client;
  const retry = a.unsure.splice(0);
  for (const u of retry) void send(a, u.clientMessageId);
};

await pool(agents, 50, attach);
for (let g = 0; g * GROUP < agents.length; g++) {
  const members = agents.slice(g * GROUP, g * GROUP + GROUP);
  const { task, conversation } = await members[0]!.client!.call("task/request", {
    invitedAgentIds: members.slice(1).map((m) => m.id),
    initialConversation: {},
  });
  groups.push({ taskId: task.id, conversationId: conversation!.id, members });
}
say(`set up: ${agents.length} agents connected, ${groups.length} conversations (${load()})`);

const acked = new Map<string, { sender: AgentState; group: number }>();
let sends = 0;
let refused = 0;
let inFlight = 0;
let window: number[] = [];
let n = 0;

async function send(a: AgentState, clientMessageId = `${a.id}-${++n}`): Promise<void> {
  const client = a.client;
  if (!client) {
    a.unsure.push({ clientMessageId });
    return;
  }
  const place = groups[a.group]!;
  inFlight++;
  const t0 = performance.now();
  try {
    const { message } = await client.call("messages/send", {
      taskId: place.taskId,
      conversationId: place.conversationId,
      parts: [{ type: "text", text: `soak ${clientMessageId}` }],
      clientMessageId,
    });
    window.push(performance.now() - t0);
    acked.set(message.id, { sender: a, group: a.group });
    sends++;
  } catch (err) {
    if (err instanceof RpcError) refused++;
    else a.unsure.push({ clientMessageId });
  } finally {
    inFlight--;
  }
}

const rss = (): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${hub.pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};
const metric = async (name: string): Promise<number> => {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
};
const size = (f: string) => {
  try {
    return statSync(f).size / 1024 / 1024;
  } catch {
    return 0;
  }
};

const samples: Array<Record<string, number>> = [];
const sample = async (t: number) => {
  window.sort((a, b) => a - b);
  const row = {
    t,
    rssMb: rss(),
    heapMb: (await metric("switchboard_process_nodejs_heap_size_used_bytes")) / 1024 / 1024,
    sockets: await metric("switchboard_connections"),
    dbMb: size(db) + size(`${db}-wal`),
    acked: acked.size,
    p50: percentile(window, 50),
    p99: percentile(window, 99),
  };
  window = [];
  samples.push(row);
  say(
    `t=${String(t).padStart(4)} s  rss ${row.rssMb.toFixed(0)} MB  heap ${row.heapMb.toFixed(0)} MB  sockets ${row.sockets}  db+wal ${row.dbMb.toFixed(0)} MB  acked ${row.acked}  send p50 ${row.p50.toFixed(1)} ms p99 ${row.p99.toFixed(1)} ms  (${load()})`,
  );
};

await sample(0);
const started = performance.now();
let running = true;
const elapsed = () => (performance.now() - started) / 1000;

const traffic = (async () => {
  let due = 0;
  while (running) {
    await sleep(10);
    due += RATE / 100;
    while (due >= 1) {
      due--;
      const a = agents[Math.floor(Math.random() * agents.length)]!;
      if (a.client && inFlight < 2000) void send(a);
    }
  }
})();
let disconnects = 0;
/** Agents between a churn disconnect and their reconnect. */
let away = 0;
const churn = (async () => {
  while (running) {
    await sleep(1000);
    for (let i = 0; i < CHURN; i++) {
      const a = agents[Math.floor(Math.random() * agents.length)]!;
      const client = a.client;
      if (!client) continue;
      disconnects++;
      a.client = undefined;
      away++;
      // The cursor once closed: events that arrived while closing count as received.
      void client.close().then(() => {
        a.cursor = client.cursor;
        setTimeout(
          () =>
            void attach(a)
              .catch(() => undefined)
              .finally(() => away--),
          500 + Math.random() * 4500,
        );
      });
    }
  }
})();
let acks = 0;
const acker = (async () => {
  while (running) {
    await sleep(5000);
    for (let i = 0; i < 100; i++) {
      const c = agents[Math.floor(Math.random() * agents.length)]!.client;
      if (c)
        void c.ack().then(
          () => acks++,
          () => undefined,
        );
    }
  }
})();

let nextSample = SAMPLE_S;
while (elapsed() < SECONDS) {
  await sleep(250);
  if (elapsed() >= nextSample) {
    await sample(Math.round(elapsed()));
    nextSample += SAMPLE_S;
  }
}
running = false;
await Promise.all([traffic, churn, acker]);
while (inFlight > 0 || away > 0) await sleep(50);

// Everyone back, resumed; then sends of unknown outcome go again, and everything settles.
await pool(
  agents.filter((a) => !a.client),
  50,
  (a) => attach(a).catch(() => undefined),
);
for (let i = 0; i < 3 && agents.some((a) => a.unsure.length > 0); i++) {
  await Promise.all(agents.flatMap((a) => a.unsure.splice(0).map((u) => send(a, u.clientMessageId))));
}
const missing = () => {
  let lost = 0;
  for (const [id, m] of acked) {
    for (const r of groups[m.group]!.members) if (r !== m.sender && !r.received.has(id)) lost++;
  }
  return lost;
};
const deadline = Date.now() + 120_000;
while (missing() > 0 && Date.now() < deadline) await sleep(500);
await sample(Math.round(elapsed()));

const lost = missing();
const duplicates = agents.reduce((s, a) => s + a.duplicates, 0);
const delivered = agents.reduce((s, a) => s + a.received.size, 0);
await pool(agents, 100, async (a) => a.client?.close());
const exit = await hub.kill("SIGTERM");
const ro = openReadOnly(db);
const check = integrity(ro);
ro.close();
rmSync(dir, { recursive: true, force: true });

const rssValues = samples.map((s) => s.rssMb!);
say(
  `\n## soak result\n${acked.size} messages acknowledged (${refused} refused), ${delivered} deliveries to recipients, ` +
    `${disconnects} disconnects with resume, ${acks} acknowledgements; events lost: ${lost}; duplicates after cursor de-duplication: ${duplicates}; ` +
    `hub RSS ${rssValues[0]!.toFixed(0)} MB at start, ${Math.max(...rssValues).toFixed(0)} MB peak, ${rssValues.at(-1)!.toFixed(0)} MB at the end; ` +
    `stop exit ${exit.code}; integrity_check ${check} (${load()})`,
);
say(
  JSON.stringify({
    agents: AGENTS,
    seconds: SECONDS,
    rate: RATE,
    churn: CHURN,
    acked: acked.size,
    delivered,
    lost,
    duplicates,
    disconnects,
    acks,
    samples,
  }),
);
process.exit(lost === 0 && check === "ok" && exit.code === 0 ? 0 : 1);
