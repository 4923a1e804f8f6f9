import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics (prom-client, the standard Node client) for GET /metrics.
 * One registry per hub, so that several hubs in one process (tests) do not
 * share counters.
 */
export const createMetrics = (countConnections: () => ReadonlyMap<string, number> = () => new Map()) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "switchboard_process_" });
  const m = {
    registry,
    connections: new Gauge({
      name: "switchboard_connections",
      help: "Open WebSocket connections, by principal type (anonymous before auth).",
      labelNames: ["type"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [type, n] of countConnections()) this.set({ type }, n);
      },
    }),
    requests: new Counter({
      name: "switchboard_rpc_requests_total",
      help: "JSON-RPC calls answered, by method and outcome (ok or the error tag).",
      labelNames: ["method", "outcome"] as const,
      registers: [registry],
    }),
    commitBatch: new Histogram({
      name: "switchboard_commit_batch_jobs",
      help: "Writes grouped into one SQLite transaction (group commit).",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: "switchboard_commit_seconds",
      help: "Time to run and commit one group of writes.",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    eventsLogged: new Counter({
      name: "switchboard_events_logged_total",
      help: "Event-log entries appended (one per recipient).",
      registers: [registry],
    }),
    notificationsSent: new Counter({
      name: "switchboard_notifications_sent_total",
      help: "Notification frames written to sockets (live and replayed).",
      registers: [registry],
    }),
    closes: new Counter({
      name: "switchboard_socket_closes_total",
      help: "Sockets the hub closed, by close code.",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: "switchboard_webhook_deliveries_total",
      help: "Requests to webhooks, by kind (event, callback, or a2a_push: an A2A push config) and outcome (delivered or failed).",
      labelNames: ["kind", "outcome"] as const,
      registers: [registry],
    }),
    webhookSeconds: new Histogram({
      name: "switchboard_webhook_delivery_seconds",
      help: "Duration of requests to app webhooks, by kind and outcome.",
      labelNames: ["kind", "outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    callbacks: new Counter({
      name: "switchboard_callbacks_total",
      help: "Callbacks to apps, by method and outcome.",
      labelNames: ["method", "outcome"] as const,
      registers: [registry],
    }),
  };
  return m;
};
export type Metrics = ReturnType<typeof createMetrics>;
