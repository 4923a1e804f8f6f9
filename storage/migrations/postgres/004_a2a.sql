-- The A2A edge (docs/A2A.md), as storage/migrations/004_a2a.sql on SQLite.
-- An agent opts in with a card; an external caller is an `a2a-client`: an
-- agent row (so that it can sit in a conversation and send messages like any
-- participant) whose credential is kept here, under its own token kind, and
-- opens no socket.

CREATE TABLE a2a_cards (
  agent_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES agents(id),
  card       TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE a2a_clients (
  agent_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES agents(id),
  secret_hash BYTEA NOT NULL,
  created_at  TEXT COLLATE "C" NOT NULL,
  updated_at  TEXT COLLATE "C" NOT NULL
);

-- One A2A task per Switchboard task of the built-in A2A app: its single
-- conversation is the A2A context. Once the task ends (cancelled, or the
-- agent named a terminal state) the end is recorded here with its seq.
CREATE TABLE a2a_tasks (
  task_id         TEXT COLLATE "C" PRIMARY KEY REFERENCES tasks(id),
  conversation_id TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES conversations(id),
  client_id       TEXT COLLATE "C" NOT NULL REFERENCES a2a_clients(agent_id),
  agent_id        TEXT COLLATE "C" NOT NULL REFERENCES agents(id),
  ended_state     TEXT COLLATE "C",
  ended_seq       BIGINT,
  ended_at        TEXT COLLATE "C",
  created_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX a2a_tasks_by_client ON a2a_tasks (client_id, agent_id, created_at);
