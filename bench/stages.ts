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

const time = async (label: string, n: number, fn: () => unknown, per = 1) => {
  for (let i = 0; i < Math.min(1000, n); i++) await fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const us = Number(process.hrtime.bigint() - t) / 1000 / n / per;
  process.stdout.write(`${us.toFixed(2).padStart(9)} µs  ${label}\n`);
};

const dir = mkdtempSync(join(tmpdir(), "sb-stages-"));
const s = await openSeed(join(dir, "hub.db"));
const db = s.db!;
const agents = await seedAgents(s, 200, "stage");
const pairs = [];
for (let i = 0; i < 50; i++) pairs.push(await seedConversation(s, [agents[2 * i]!, agents[2 * i + 1]!]));
const pair = pairs[7]!;
const big = await seedConversation(s, agents);
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
await time("JSON.parse of a messages/send frame", N, () => JSON.parse(frame));
await time("Effect strict decode of messages/send params", N, () => decode(params));
await time("conversations.get (c.* JOIN tasks, mapped to a record)", N, () => s.conversations.get(pair.conversationId));
const narrow = db.prepare("SELECT pk FROM conversations WHERE id = ?").pluck();
await time("  for comparison: SELECT pk FROM conversations WHERE id = ?", N, () => narrow.get(pair.conversationId));
await time("conversations.isParticipant", N, () => s.conversations.isParticipant(pair.pk, me));
await time("apps.get(app_default) (row + manifest JSON.parse)", N, () => s.apps.get("app_default"));
await time("newId + nowIso", N, () => [newId("message"), nowIso()]);
await time("JSON.stringify of the messages/send result", N, () => JSON.stringify({ message }));
await time("prom-client requests.inc({method, outcome})", N, () =>
  metrics.requests.inc({ method: "messages/send", outcome: "ok" }),
);

process.stdout.write("\nInside the transaction\n");
await time("conversations.participants, 2 members", N, () => s.conversations.participants(pair.pk));
await time("conversations.participants, 200 members (ORDER BY joined_at: temp b-tree)", N / 10, () =>
  s.conversations.participants(big.pk),
);
await time("JSON.stringify of the message/received params", N, () =>
  JSON.stringify({ taskId: pair.taskId, conversationId: pair.conversationId, message }),
);

/** The job of one messages/send in the committer: checks again, seq, message row, event rows. */
const job = async (conv: typeof pair) => {
  const rec = (await s.conversations.get(conv.conversationId))!;
  await s.conversations.isParticipant(rec.pk, me);
  const to = (await s.conversations.participants(rec.pk)).filter((a) => a !== me);
  const createdAt = nowIso();
  const id = newId("message");
  const seq = await s.messages.append({
    id,
    conversationPk: rec.pk,
    senderId: me,
    partsJson: '[{"type":"text","text":"x"}]',
    createdAt,
  });
  const json = JSON.stringify({
    taskId: conv.taskId,
    conversationId: conv.conversationId,
    message: { ...message, id, seq },
  });
  await s.events.append(Notifications.MessageReceived.name, json, to, Date.now());
};
/** n jobs as the committer runs them: one transaction, a savepoint each (or one job doing all n). */
const group = {
  immediate: (n: number, conv: typeof pair, withSavepoint: boolean) =>
    s.transactions.runAll(
      withSavepoint
        ? Array.from({ length: n }, () => () => job(conv))
        : [
            async () => {
              for (let i = 0; i < n; i++) await job(conv);
            },
          ],
    ),
};
const touch = db.prepare("UPDATE conversations SET updated_at = ? WHERE pk = ?");
const tiny = db.transaction(() => touch.run(nowIso(), pair.pk));
await time("commit of a one-row transaction (WAL append + fsync)", 300, () => tiny.immediate());
for (const n of [1, 16, 64, 256, 1024]) {
  await time(
    `direct send job in a commit of ${n} (savepoint each), per send`,
    Math.max(10, Math.floor(2000 / n)),
    () => group.immediate(n, pair, true),
    n,
  );
}
await time(
  "direct send job in a commit of 1024, no savepoints, per send",
  5,
  () => group.immediate(1024, pair, false),
  1024,
);
await time("fan-out send job (199 recipients) in a commit of 8, per send", 20, () => group.immediate(8, big, true), 8);

await closeSeed(s);
rmSync(dir, { recursive: true, force: true });
