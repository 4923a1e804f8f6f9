import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Methods, Notifications, strictDecoder } from "../protocol/index.ts";
import { createMetrics } from "../server/metrics.ts";
import { newId, nowIso } from "../storage/index.ts";
import { sendFrame, stampedText } from "./lib/wire.ts";
import { closeSeed, openSeed, seedAgents, seedConversation } from "./seed.ts";

/**
 * In-process timings of the stages a messages/send goes through, on a
 * seeded database with the hub's settings (WAL, synchronous=FULL): evidence
 * for docs/PERFORMANCE.md, and a quick before/after check for an
 * optimisation of one stage. Not part of `npm run bench`.
 *
 *   node --import tsx bench/stages.ts [ITERATIONS]
 */
const N = Number(process.argv[2] ?? 20_000);

const time = (label: string, n: number, fn: () => unknown, per = 1) => {
  for (let i = 0; i < Math.min(1000, n); i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const us = Number(process.hrtime.bigint() - t) / 1000 / n / per;
  process.stdout.write(`${us.toFixed(2).padStart(9)} µs  ${label}\n`);
};

const dir = mkdtempSync(join(tmpdir(), "sb-stages-"));
const s = openSeed(join(dir, "hub.db"));
const agents = seedAgents(s, 200, "stage");
const pairs = Array.from({ length: 50 }, (_, i) => seedConversation(s, [agents[2 * i]!, agents[2 * i + 1]!]));
const pair = pairs[7]!;
const big = seedConversation(s, agents);
const me = agents[14]!.id;
const frame = sendFrame(pair.taskId, pair.conversationId)(123, stampedText(0));
const params = (JSON.parse(frame) as { params: unknown }).params;
const decode = strictDecoder(Methods.MessagesSend.params);
const metrics = createMetrics();
const message = {
  id: newId("message"),
  taskId: pair.taskId,
  conversationId: pair.conversationId,
  seq: 1,
  senderId: me,
  parts: [{ type: "text", text: stampedText(0) }],
  createdAt: nowIso(),
};

process.stdout.write("Per request, outside the transaction\n");
time("JSON.parse of a messages/send frame", N, () => JSON.parse(frame));
time("Effect strict decode of messages/send params", N, () => decode(params));
time("conversations.get (c.* JOIN tasks, mapped to a record)", N, () => s.conversations.get(pair.conversationId));
const narrow = s.db.prepare("SELECT pk FROM conversations WHERE id = ?").pluck();
time("  for comparison: SELECT pk FROM conversations WHERE id = ?", N, () => narrow.get(pair.conversationId));
time("conversations.isParticipant", N, () => s.conversations.isParticipant(pair.pk, me));
time("apps.get(app_default) (row + manifest JSON.parse)", N, () => s.apps.get("app_default"));
time("newId + nowIso", N, () => [newId("message"), nowIso()]);
time("JSON.stringify of the messages/send result", N, () => JSON.stringify({ message }));
time("prom-client requests.inc({method, outcome})", N, () =>
  metrics.requests.inc({ method: "messages/send", outcome: "ok" }),
);

process.stdout.write("\nInside the transaction\n");
time("conversations.participants, 2 members", N, () => s.conversations.participants(pair.pk));
time("conversations.participants, 200 members (ORDER BY joined_at: temp b-tree)", N / 10, () =>
  s.conversations.participants(big.pk),
);
time("JSON.stringify of the message/received params", N, () =>
  JSON.stringify({ taskId: pair.taskId, conversationId: pair.conversationId, message }),
);

/** The job of one messages/send in the committer: checks again, seq, message row, event rows. */
const job = (conv: typeof pair) => {
  const rec = s.conversations.get(conv.conversationId)!;
  s.conversations.isParticipant(rec.pk, me);
  const to = s.conversations.participants(rec.pk).filter((a) => a !== me);
  const createdAt = nowIso();
  const seq = s.conversations.nextSeq(rec.pk, createdAt);
  const id = newId("message");
  s.messages.insert({
    id,
    conversationPk: rec.pk,
    seq,
    senderId: me,
    partsJson: '[{"type":"text","text":"x"}]',
    createdAt,
  });
  const json = JSON.stringify({
    taskId: conv.taskId,
    conversationId: conv.conversationId,
    message: { ...message, id, seq },
  });
  s.events.append(Notifications.MessageReceived.name, json, to, Date.now());
};
const savepoint = s.db.transaction((fn: () => void) => fn());
const group = s.db.transaction((n: number, conv: typeof pair, withSavepoint: boolean) => {
  for (let i = 0; i < n; i++) {
    if (withSavepoint) savepoint(() => job(conv));
    else job(conv);
  }
});
const touch = s.db.prepare("UPDATE conversations SET updated_at = ? WHERE pk = ?");
const tiny = s.db.transaction(() => touch.run(nowIso(), pair.pk));
time("commit of a one-row transaction (WAL append + fsync)", 300, () => tiny.immediate());
for (const n of [1, 16, 64, 256, 1024]) {
  time(
    `direct send job in a commit of ${n} (savepoint each), per send`,
    Math.max(10, Math.floor(2000 / n)),
    () => group.immediate(n, pair, true),
    n,
  );
}
time("direct send job in a commit of 1024, no savepoints, per send", 5, () => group.immediate(1024, pair, false), 1024);
time("fan-out send job (199 recipients) in a commit of 8, per send", 20, () => group.immediate(8, big, true), 8);

closeSeed(s);
rmSync(dir, { recursive: true, force: true });
