-- A2A push-notification configs (see ../006_a2a_push.sql): a caller's
-- webhook for one of its A2A tasks, delivered by the webhook worker from the
-- task's conversation. delivered_through is 2 x the seq of the last message
-- delivered, plus 1 once the task's end was delivered (status then 'done').
CREATE TABLE a2a_push_configs (
  task_id           TEXT COLLATE "C" NOT NULL REFERENCES a2a_tasks (task_id),
  id                TEXT COLLATE "C" NOT NULL,
  client_id         TEXT COLLATE "C" NOT NULL,
  url               TEXT COLLATE "C" NOT NULL,
  secret            TEXT COLLATE "C" NOT NULL,
  token             TEXT COLLATE "C",
  auth_scheme       TEXT COLLATE "C",
  auth_credentials  TEXT COLLATE "C",
  status            TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'paused', 'done')),
  failure           TEXT COLLATE "C",
  created_at        TEXT COLLATE "C" NOT NULL,
  delivered_through BIGINT NOT NULL,
  attempts          BIGINT NOT NULL DEFAULT 0,
  next_attempt_at   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, id)
);
CREATE INDEX a2a_push_configs_active ON a2a_push_configs (status, client_id);
