-- Section 7: delegated authority, confirmation, idempotency, event
-- subscriptions and the built-in families. Ids are the wire ids; pk keys
-- give lists a stable keyset order.

CREATE TABLE grants (
  pk             INTEGER PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  app_id         TEXT NOT NULL REFERENCES apps(id),
  subject_type   TEXT NOT NULL CHECK (subject_type IN ('user', 'app', 'service', 'agent')),
  subject_id     TEXT NOT NULL,
  scope          TEXT NOT NULL,
  capabilities   TEXT NOT NULL,
  execution_mode TEXT NOT NULL CHECK (execution_mode IN ('executable', 'modeled_only')),
  status         TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at     TEXT NOT NULL,
  revoked_at     TEXT,
  -- only user grants execute (7.3)
  CHECK ((subject_type = 'user') = (execution_mode = 'executable'))
);
CREATE INDEX grants_by_app ON grants (app_id, pk);
CREATE INDEX grants_by_subject ON grants (subject_type, subject_id, pk);

CREATE TABLE consents (
  pk           INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  app_id       TEXT NOT NULL REFERENCES apps(id),
  user_id      TEXT NOT NULL REFERENCES users(id),
  scope        TEXT NOT NULL,
  capabilities TEXT NOT NULL,
  note         TEXT,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  created_at   TEXT NOT NULL,
  answered_at  TEXT,
  grant_id     TEXT REFERENCES grants(id)
);
CREATE INDEX consents_by_user ON consents (user_id, pk);

-- An action waiting for the acting user's yes or no, bound to one invoker,
-- one action and one fingerprint of (action, params, actorUserId).
CREATE TABLE confirmations (
  id            TEXT PRIMARY KEY,
  invoker_type  TEXT NOT NULL,
  invoker_id    TEXT NOT NULL,
  actor_user_id TEXT NOT NULL REFERENCES users(id),
  action        TEXT NOT NULL,
  params        TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
  created_at    TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  answered_at   TEXT,
  used_at       TEXT
) WITHOUT ROWID;

-- Stored successful responses, per (principal, key), until expires_at_ms.
CREATE TABLE idempotency_keys (
  principal     TEXT NOT NULL,
  key           TEXT NOT NULL,
  action        TEXT NOT NULL,
  actor_user_id TEXT,
  fingerprint   TEXT NOT NULL,
  response      TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at_ms);

CREATE TABLE event_subscriptions (
  app_id     TEXT PRIMARY KEY REFERENCES apps(id),
  patterns   TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- Built-in families (7.4). user_intents are coordination intents, not the
-- agent-to-agent message intents of section 8.
CREATE TABLE user_intents (
  pk            INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  owner_user_id TEXT NOT NULL REFERENCES users(id),
  text          TEXT NOT NULL,
  framing       TEXT,
  status        TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  cancelled_at  TEXT
);
CREATE INDEX user_intents_by_owner ON user_intents (owner_user_id, status);

CREATE TABLE coordination_requests (
  pk                INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  intent_pk         INTEGER NOT NULL REFERENCES user_intents(pk),
  sender_user_id    TEXT NOT NULL REFERENCES users(id),
  recipient_user_id TEXT NOT NULL REFERENCES users(id),
  note              TEXT,
  status            TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
  created_at        TEXT NOT NULL,
  answered_at       TEXT
);
CREATE INDEX coordination_requests_by_intent ON coordination_requests (intent_pk, status);

CREATE TABLE connections (
  pk         INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  type       TEXT NOT NULL CHECK (type IN ('direct', 'group')),
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL
);

CREATE TABLE connection_members (
  connection_pk INTEGER NOT NULL REFERENCES connections(pk),
  user_id       TEXT NOT NULL REFERENCES users(id),
  position      INTEGER NOT NULL,
  PRIMARY KEY (connection_pk, user_id)
) WITHOUT ROWID;

-- A chat's members are its connection's members.
CREATE TABLE chats (
  pk            INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  connection_pk INTEGER NOT NULL REFERENCES connections(pk),
  title         TEXT,
  created_by    TEXT NOT NULL REFERENCES users(id),
  created_at    TEXT NOT NULL
);

CREATE TABLE chat_messages (
  pk                INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  chat_pk           INTEGER NOT NULL REFERENCES chats(pk),
  sender_user_id    TEXT NOT NULL REFERENCES users(id),
  text              TEXT NOT NULL,
  client_message_id TEXT,
  created_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX chat_messages_by_client_id ON chat_messages (chat_pk, sender_user_id, client_message_id)
  WHERE client_message_id IS NOT NULL;

CREATE TABLE circles (
  pk            INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('recurring', 'group')),
  schedule      TEXT,
  owner_user_id TEXT NOT NULL REFERENCES users(id),
  created_at    TEXT NOT NULL
);

CREATE TABLE circle_members (
  circle_pk INTEGER NOT NULL REFERENCES circles(pk),
  user_id   TEXT NOT NULL REFERENCES users(id),
  joined_at TEXT NOT NULL,
  PRIMARY KEY (circle_pk, user_id)
) WITHOUT ROWID;
