-- A2A push-notification configs (docs/A2A.md): a caller's webhook for one
-- of its A2A tasks. The webhook worker (server/webhooks/worker.ts) delivers
-- them like an app's webhook, from the task's conversation instead of an
-- event log: delivered_through is 2 x the seq of the last message delivered,
-- plus 1 once the task's end was delivered too (status then 'done');
-- attempts and next_attempt_at (ms since the epoch) as in webhooks. The
-- signing secret, the token and the credentials are stored sealed
-- (server/webhooks/secrets.ts). The delivery lease is the webhook_leases
-- row keyed `<task_id>/<id>`.
CREATE TABLE a2a_push_configs (
  task_id           TEXT NOT NULL REFERENCES a2a_tasks (task_id),
  id                TEXT NOT NULL,
  client_id         TEXT NOT NULL,
  url               TEXT NOT NULL,
  secret            TEXT NOT NULL,
  token             TEXT,
  auth_scheme       TEXT,
  auth_credentials  TEXT,
  status            TEXT NOT NULL,
  failure           TEXT,
  created_at        TEXT NOT NULL,
  delivered_through BIGINT NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, id)
);
CREATE INDEX a2a_push_configs_active ON a2a_push_configs (status, client_id);
