-- Section 12: an app's webhook. Delivery is driven by the app's event log:
-- delivered_through is the cursor of the last event the endpoint accepted,
-- attempts counts the failed tries of the next one, and next_attempt_at (ms
-- since the epoch) is when it may be tried again. Secrets are stored sealed
-- (server/webhooks/sealing.ts): "plain:..." or AES-256-GCM under --secret-key.
CREATE TABLE webhooks (
  app_id            TEXT PRIMARY KEY REFERENCES apps (id),
  url               TEXT NOT NULL,
  secret            TEXT NOT NULL,
  previous_secret   TEXT,
  previous_until    BIGINT,
  status            TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  paused_at         TEXT,
  failure           TEXT,
  delivered_through BIGINT NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   BIGINT NOT NULL DEFAULT 0
);

-- Every POST made to a webhook (event attempts and callbacks), for
-- app/webhook/deliveries; only the newest --webhook-deliveries-kept per app stay.
CREATE TABLE webhook_deliveries (
  id           INTEGER PRIMARY KEY,
  app_id       TEXT NOT NULL,
  event_cursor BIGINT,
  callback_id  TEXT,
  method       TEXT NOT NULL,
  attempt      INTEGER NOT NULL,
  outcome      TEXT NOT NULL,
  http_status  INTEGER,
  error        TEXT,
  duration_ms  INTEGER NOT NULL,
  at           TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_by_app ON webhook_deliveries (app_id, id);

-- Who delivers an app's events: the node holding an unexpired lease. One
-- SQLite hub holds every lease; on several nodes a node takes an app's lease
-- only when it is free or expired, and renews it while it delivers.
CREATE TABLE webhook_leases (
  app_id     TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
