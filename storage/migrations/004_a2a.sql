-- The A2A edge (docs/A2A.md). An agent opts in with a card; an external
-- caller is an `a2a-client`: an agent row (so that it can sit in a
-- conversation and send messages like any participant) whose credential is
-- kept here, under its own token kind, and opens no socket.

CREATE TABLE a2a_cards (
  agent_id   TEXT PRIMARY KEY REFERENCES agents(id),
  card       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE a2a_clients (
  agent_id    TEXT PRIMARY KEY REFERENCES agents(id),
  secret_hash BLOB NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- One A2A task per Switchboard task of the built-in A2A app: its single
-- conversation is the A2A context. The state follows from the conversation's
-- messages (docs/A2A.md); once the task ends (cancelled, or the agent named a
-- terminal state) the end is recorded here with the seq it happened at.
CREATE TABLE a2a_tasks (
  task_id         TEXT PRIMARY KEY REFERENCES tasks(id),
  conversation_id TEXT NOT NULL UNIQUE REFERENCES conversations(id),
  client_id       TEXT NOT NULL REFERENCES a2a_clients(agent_id),
  agent_id        TEXT NOT NULL REFERENCES agents(id),
  ended_state     TEXT,
  ended_seq       INTEGER,
  ended_at        TEXT,
  created_at      TEXT NOT NULL
);
CREATE INDEX a2a_tasks_by_client ON a2a_tasks (client_id, agent_id, created_at);
