-- Principals. Ids are the wire ids; tables that other hot tables point at
-- also have an integer key (pk) so that those references stay small.
CREATE TABLE users (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE apps (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  scopes       TEXT NOT NULL DEFAULT '[]',
  capabilities TEXT NOT NULL DEFAULT '[]',
  manifest     TEXT NOT NULL DEFAULT '{}',
  created_at   TEXT NOT NULL
);

CREATE TABLE agents (
  pk            INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL UNIQUE,
  display_name  TEXT,
  owner_user_id TEXT REFERENCES users(id),
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  card          TEXT,
  created_at    TEXT NOT NULL
);

-- One credential per principal: the SHA-256 of the token's secret, never the secret.
CREATE TABLE credentials (
  principal_id TEXT PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('agent', 'app', 'user', 'admin')),
  secret_hash  BLOB NOT NULL,
  updated_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tasks (
  pk                 INTEGER PRIMARY KEY,
  id                 TEXT NOT NULL UNIQUE,
  app_id             TEXT NOT NULL REFERENCES apps(id),
  initiator_agent_id TEXT NOT NULL REFERENCES agents(id),
  title              TEXT,
  status             TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'failed', 'closed')),
  failure_reason     TEXT,
  created_at         TEXT NOT NULL,
  started_at         TEXT,
  ended_at           TEXT
);
CREATE INDEX tasks_by_app ON tasks (app_id, pk);

-- left_at is set when an agent leaves or is removed, so that a former
-- participant can be told apart from an agent that never was in the task.
CREATE TABLE task_participants (
  task_pk     INTEGER NOT NULL REFERENCES tasks(pk),
  agent_id    TEXT NOT NULL REFERENCES agents(id),
  admitted_at TEXT NOT NULL,
  left_at     TEXT,
  PRIMARY KEY (task_pk, agent_id)
) WITHOUT ROWID;
CREATE INDEX task_participants_by_agent ON task_participants (agent_id, task_pk);

CREATE TABLE conversations (
  pk              INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  task_pk         INTEGER NOT NULL REFERENCES tasks(pk),
  name            TEXT,
  created_by      TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  archived_at     TEXT,
  last_message_at TEXT,
  -- the seq of the newest message: the next one gets last_seq + 1 in the same transaction
  last_seq        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_task ON conversations (task_pk, pk);

CREATE TABLE conversation_participants (
  conversation_pk INTEGER NOT NULL REFERENCES conversations(pk),
  agent_id        TEXT NOT NULL REFERENCES agents(id),
  joined_at       TEXT NOT NULL,
  last_read_seq   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_pk, agent_id)
) WITHOUT ROWID;
CREATE INDEX conversation_participants_by_agent ON conversation_participants (agent_id, conversation_pk);

CREATE TABLE messages (
  pk                INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  conversation_pk   INTEGER NOT NULL REFERENCES conversations(pk),
  seq               INTEGER NOT NULL,
  sender_id         TEXT NOT NULL,
  parts             TEXT NOT NULL,
  reply_to_id       TEXT,
  correlation_id    TEXT,
  client_message_id TEXT,
  created_at        TEXT NOT NULL,
  retracted_at      TEXT,
  UNIQUE (conversation_pk, seq)
);
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_message_id) WHERE client_message_id IS NOT NULL;
CREATE INDEX messages_by_correlation ON messages (conversation_pk, correlation_id, seq) WHERE correlation_id IS NOT NULL;

-- The event log (section 6): one shared row per event holding its params once,
-- and one thin row per recipient whose id is that recipient's cursor.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  method     TEXT NOT NULL,
  params     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- Principals as the event log names them: an integer key keeps the
-- per-recipient rows and their index narrow (a 200-member fan-out writes 200).
CREATE TABLE event_principals (
  key       INTEGER PRIMARY KEY,
  principal TEXT NOT NULL UNIQUE
);

-- AUTOINCREMENT: a cursor must never be handed out twice. A plain rowid is
-- reused once the highest rows are deleted (acknowledged or expired), and the
-- next event would get a cursor its recipient had already passed.
CREATE TABLE event_recipients (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  principal INTEGER NOT NULL, -- event_principals.key
  event_id  INTEGER NOT NULL
);
CREATE INDEX event_recipients_by_principal ON event_recipients (principal, id);

-- The highest cursor of each principal whose entry was dropped (acknowledged
-- or past retention): a resume from below it has missed events.
CREATE TABLE event_floors (
  principal       TEXT PRIMARY KEY,
  deleted_through INTEGER NOT NULL
) WITHOUT ROWID;
