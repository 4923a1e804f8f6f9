-- What several nodes share besides the data (storage/postgres/cluster.ts).

-- Each running node, and when it last said it was alive. A node silent for
-- longer than the dead-node timeout counts as gone: its rows below are ignored
-- and then removed.
CREATE TABLE cluster_nodes (
  node_id      TEXT COLLATE "C" PRIMARY KEY,
  started_at   TEXT COLLATE "C" NOT NULL,
  heartbeat_ms BIGINT NOT NULL
);

-- Which node holds at least one socket of which principal: presence and
-- online status cluster-wide, and where an app's callbacks can go.
CREATE TABLE cluster_presence (
  node_id      TEXT COLLATE "C" NOT NULL,
  principal_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (principal_id, node_id)
);
CREATE INDEX cluster_presence_by_node ON cluster_presence (node_id);

-- A callback to an app whose socket is on another node: the asking node
-- writes it for the node that holds the socket, which makes the call and
-- writes the answer back. Rows live only while the call is in flight.
CREATE TABLE cluster_calls (
  id         TEXT COLLATE "C" PRIMARY KEY,
  app_id     TEXT COLLATE "C" NOT NULL,
  method     TEXT COLLATE "C" NOT NULL,
  params     TEXT COLLATE "C" NOT NULL,
  from_node  TEXT COLLATE "C" NOT NULL,
  to_node    TEXT COLLATE "C" NOT NULL,
  status     TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'running', 'answered')),
  outcome    TEXT COLLATE "C",
  created_ms BIGINT NOT NULL
);
CREATE INDEX cluster_calls_by_target ON cluster_calls (to_node, status);
