import { randomBytes } from "node:crypto";
import type postgres from "postgres";
import type { Cluster, ControlMessage, ForwardedCall } from "../cluster.ts";
import type { PostgresSql } from "../sql.ts";

const CHANNEL = "switchboard_control";

export interface ClusterOptions {
  /** How often the node says it is alive, and polls for what a lost notification would have said. */
  readonly pollMs: number;
  readonly onError: (err: unknown) => void;
}

/** A node silent for this many poll intervals counts as gone. */
const DEAD_AFTER_POLLS = 5;

export const makePostgresCluster = (sql: PostgresSql, options: ClusterOptions): Cluster => {
  const nodeId = `node_${randomBytes(6).toString("hex")}`;
  const deadMs = () => Date.now() - options.pollMs * DEAD_AFTER_POLLS;
  const q = <P extends unknown[], R = unknown>(text: string) => sql.prepare<P, R>(text);
  const upsertNode = q<[string, string, number]>(
    `INSERT INTO cluster_nodes (node_id, started_at, heartbeat_ms) VALUES (?, ?, ?)
     ON CONFLICT (node_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms`,
  );
  const removeDead = q<[number]>(
    `DELETE FROM cluster_presence p WHERE NOT EXISTS
       (SELECT 1 FROM cluster_nodes n WHERE n.node_id = p.node_id AND n.heartbeat_ms >= ?)`,
  );
  const removeDeadNodes = q<[number]>("DELETE FROM cluster_nodes WHERE heartbeat_ms < ?");
  const join = q<[string, string]>(
    "INSERT INTO cluster_presence (node_id, principal_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
  );
  const leave = q<[string, string]>("DELETE FROM cluster_presence WHERE node_id = ? AND principal_id = ?");
  const elsewhere = q<[string, string, number], { principal_id: string; node_id: string }>(
    `SELECT p.principal_id, p.node_id FROM cluster_presence p JOIN cluster_nodes n ON n.node_id = p.node_id
     WHERE p.principal_id IN (SELECT value FROM json_array_elements_text(CAST(CAST(? AS text) AS json)) AS j(value))
       AND p.node_id <> ? AND n.heartbeat_ms >= ?`,
  );
  const ask = q<[string, string, string, string, string, string, number]>(
    `INSERT INTO cluster_calls (id, app_id, method, params, from_node, to_node, status, created_ms)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const take = q<[string], ForwardedCall & { app_id: string }>(
    `UPDATE cluster_calls SET status = 'running' WHERE to_node = ? AND status = 'pending'
     RETURNING id, app_id, method, params`,
  );
  const answer = q<[string, string], { from_node: string }>(
    "UPDATE cluster_calls SET status = 'answered', outcome = ? WHERE id = ? RETURNING from_node",
  );
  const outcome = q<[string], { outcome: string }>(
    "DELETE FROM cluster_calls WHERE id = ? AND status = 'answered' RETURNING outcome",
  );
  const forget = q<[string]>("DELETE FROM cluster_calls WHERE id = ?");
  const leaveAll = q<[string]>("DELETE FROM cluster_presence WHERE node_id = ?");
  const removeNode = q<[string]>("DELETE FROM cluster_nodes WHERE node_id = ?");

  let timer: NodeJS.Timeout | undefined;
  let listening: postgres.ListenMeta | undefined;
  const startedAt = new Date().toISOString();
  const beat = () => upsertNode.run(nodeId, startedAt, Date.now());

  return {
    nodeId,
    async start(onControl, onTick) {
      await beat();
      listening = await sql.pool.listen(CHANNEL, (payload) => {
        try {
          onControl(JSON.parse(payload) as ControlMessage);
        } catch (err) {
          options.onError(err);
        }
      });
      timer = setInterval(() => {
        const cutoff = deadMs();
        beat()
          .then(() => removeDead.run(cutoff))
          .then(() => removeDeadNodes.run(cutoff - options.pollMs * DEAD_AFTER_POLLS))
          .catch(options.onError);
        onTick();
      }, options.pollMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await listening?.unlisten().catch(() => undefined);
      await leaveAll.run(nodeId).catch(() => undefined);
      await removeNode.run(nodeId).catch(() => undefined);
    },
    async publish(m: ControlMessage) {
      await sql.pool.notify(CHANNEL, JSON.stringify(m));
    },
    async join(principal) {
      await join.run(nodeId, principal);
      return (await elsewhere.all(JSON.stringify([principal]), nodeId, deadMs())).length > 0;
    },
    async leave(principal) {
      await leave.run(nodeId, principal);
      return (await elsewhere.all(JSON.stringify([principal]), nodeId, deadMs())).length > 0;
    },
    async onlineElsewhere(principals) {
      if (principals.length === 0) return new Set();
      const rows = await elsewhere.all(JSON.stringify(principals), nodeId, deadMs());
      return new Set(rows.map((r) => r.principal_id));
    },
    async nodeOf(principal) {
      const rows = await elsewhere.all(JSON.stringify([principal]), nodeId, deadMs());
      return rows[Math.floor(Math.random() * rows.length)]?.node_id;
    },
    async ask(to, call) {
      const id = `xc_${randomBytes(9).toString("base64url")}`;
      await ask.run(id, call.appId, call.method, call.params, nodeId, to, Date.now());
      return id;
    },
    async take() {
      return (await take.all(nodeId)).map((r) => ({ id: r.id, appId: r.app_id, method: r.method, params: r.params }));
    },
    async answer(id, result) {
      return (await answer.get(result, id))?.from_node;
    },
    async outcomeOf(id) {
      return (await outcome.get(id))?.outcome;
    },
    async forget(id) {
      await forget.run(id);
    },
  };
};
