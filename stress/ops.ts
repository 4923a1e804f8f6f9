import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, RpcError, type SwitchboardClient } from "../client/index.ts";
import { ChildHub, freePort, newAdminToken } from "../test/helpers/child-hub.ts";
import { checkEventLogs, checkStore, type Acked } from "../test/reliability/lib/crash.ts";
import { integrity, openReadOnly } from "../test/reliability/lib/state.ts";
import { percentile } from "./latency.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
/** The CLI as its own process, awaited without blocking the load this process generates. */
const cli = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, ["--import", "tsx", "server/cli/main.ts", ...args], { cwd: root }))
    .stdout;

/**
 * Operations under load, for the figures: a backup taken while ten agents
 * keep forty sends in flight (its duration, its size, what it holds, and the
 * senders' latency meanwhile), a restore of it, and a SIGTERM under the same
 * load (how long the stop takes, what was answered, what was left
 * unexecuted, what was lost: nothing).
 */
export const opsUnderLoad = async (options: { warmMessages?: number; say?: (line: string) => void }) => {
  const say = options.say ?? (() => {});
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "sb-ops-"));
  const db = join(dir, "hub.db");
  const adminToken = newAdminToken();
  const port = await freePort();
  let hub = await ChildHub.start({
    db,
    port,
    adminToken,
    flags: { "shutdown-grace-ms": "10000", "heartbeat-ms": "0" },
  });
  try {
    const admin = await connect({ url: hub.wsUrl, token: adminToken, reconnect: false });
    const agents: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < 10; i++) {
      const { agent, token } = await admin.call("admin/agent/create", { name: `ops-${i}` });
      agents.push({ id: agent.id, token });
    }
    await admin.close();
    const clients: SwitchboardClient[] = await Promise.all(
      agents.map((a) => connect({ url: hub.wsUrl, token: a.token, reconnect: false })),
    );
    const places: Array<{ taskId: string; conversationId: string }> = [];
    for (let i = 0; i < clients.length; i += 2) {
      const { task, conversation } = await clients[i]!.call("task/request", {
        invitedAgentIds: [agents[i + 1]!.id],
        initialConversation: {},
      });
      places.push({ taskId: task.id, conversationId: conversation!.id });
    }

    const acked = new Map<string, Acked>();
    const unanswered: string[] = [];
    const rtt: Array<{ at: number; ms: number }> = [];
    let sigtermAt = Number.POSITIVE_INFINITY;
    let answeredAfterSigterm = 0;
    let n = 0;
    const lanes = clients.flatMap((client, ci) =>
      [0, 1, 2, 3].map(async () => {
        const place = places[Math.floor(ci / 2)]!;
        while (client.connected) {
          const clientMessageId = `${ci}-${++n}`;
          const t0 = performance.now();
          try {
            const { message } = await client.call("messages/send", {
              ...place,
              parts: [{ type: "text", text: `ops load ${clientMessageId} ${"x".repeat(200)}` }],
              clientMessageId,
            });
            rtt.push({ at: t0, ms: performance.now() - t0 });
            acked.set(clientMessageId, { id: message.id, seq: message.seq, conversationId: message.conversationId });
            if (t0 > sigtermAt || performance.now() > sigtermAt) answeredAfterSigterm++;
          } catch (err) {
            if (err instanceof RpcError) problems.push(`a send was refused: ${err.tag}`);
            else unanswered.push(clientMessageId);
            return;
          }
        }
      }),
    );

    const warm = options.warmMessages ?? 20_000;
    while (acked.size < warm) await new Promise((r) => setTimeout(r, 50));

    // Backup while the load goes on.
    const before = new Map(acked);
    const backupFile = join(dir, "backup.db");
    const b0 = performance.now();
    await cli("backup", backupFile, "--db", db);
    const b1 = performance.now();
    const during = rtt
      .filter((r) => r.at >= b0 && r.at <= b1)
      .map((r) => r.ms)
      .sort((x, y) => x - y);
    const outside = rtt
      .filter((r) => r.at < b0)
      .slice(-5000)
      .map((r) => r.ms)
      .sort((x, y) => x - y);
    const ro = openReadOnly(backupFile);
    const inBackup = ro.prepare<[], number>("SELECT count(*) FROM messages").pluck().get()!;
    if (integrity(ro) !== "ok") problems.push("the backup fails integrity_check");
    problems.push(...checkStore(ro, before, 0).map((p) => `backup: ${p}`));
    ro.close();
    const backup = {
      ms: Math.round(b1 - b0),
      bytes: statSync(backupFile).size,
      messagesAckedBefore: before.size,
      messagesInBackup: inBackup,
      sendP50Before: percentile(outside, 50),
      sendP99Before: percentile(outside, 99),
      sendP50During: percentile(during, 50),
      sendP99During: percentile(during, 99),
    };
    say(
      `backup under load: ${backup.ms} ms (CLI start included) for ${backup.bytes} bytes; it holds ${inBackup} messages (${before.size} were acknowledged before it began, all present); ` +
        `send p50/p99 ${backup.sendP50Before.toFixed(1)}/${backup.sendP99Before.toFixed(1)} ms before, ${backup.sendP50During.toFixed(1)}/${backup.sendP99During.toFixed(1)} ms during`,
    );

    // SIGTERM under the same load.
    await new Promise((r) => setTimeout(r, 1000));
    sigtermAt = performance.now();
    const exit = await hub.kill("SIGTERM");
    const stopMs = performance.now() - sigtermAt;
    await Promise.all(lanes);
    if (exit.code !== 0) problems.push(`graceful stop exited with ${exit.code ?? exit.signal}`);
    hub = await ChildHub.start({ db, port, adminToken });
    const ro2 = openReadOnly(db);
    problems.push(...checkStore(ro2, acked, 0).map((p) => `after SIGTERM: ${p}`));
    problems.push(
      ...checkEventLogs(
        ro2,
        agents.map((a) => a.id),
        0,
      ).map((p) => `after SIGTERM: ${p}`),
    );
    const byClientId = ro2.prepare<[string], { id: string }>("SELECT id FROM messages WHERE client_message_id = ?");
    const executedUnanswered = unanswered.filter((id) => byClientId.get(id) !== undefined).length;
    if (executedUnanswered > 0)
      problems.push(`${executedUnanswered} calls left unanswered by the shutdown were executed`);
    ro2.close();
    const shutdown = {
      ms: Math.round(stopMs),
      answeredAfterSigterm,
      unanswered: unanswered.length,
      executedUnanswered,
      acknowledged: acked.size,
    };
    say(
      `SIGTERM under load: stopped in ${shutdown.ms} ms (exit ${exit.code}); ${answeredAfterSigterm} calls answered after the signal; ` +
        `${unanswered.length} left unanswered, ${executedUnanswered} of them executed; ${acked.size} acknowledged, all present`,
    );

    // Restore the backup next to it and start a hub on it.
    const restored = join(dir, "restored.db");
    const r0 = performance.now();
    await cli("restore", backupFile, "--db", restored);
    const restoreMs = Math.round(performance.now() - r0);
    const check = await ChildHub.start({ db: restored, port: await freePort(), adminToken });
    const client = await connect({ url: check.wsUrl, token: agents[1]!.token, reconnect: false });
    const page = await client.call("messages/list", { ...places[0]!, limit: 1 });
    await client.close();
    await check.kill("SIGTERM");
    say(
      `restore: ${restoreMs} ms (CLI start included); a hub on the restored file serves, last seq ${page.items[0]?.seq}`,
    );
    return { backup, shutdown, restoreMs, problems };
  } finally {
    await hub.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
};
