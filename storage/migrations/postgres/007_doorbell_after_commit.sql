-- The doorbell rings after COMMIT, from the node (storage/postgres/events.ts,
-- Doorbell), no longer from a trigger in every transaction that logs an
-- event: PostgreSQL serialises the commits of notifying transactions, so the
-- trigger made concurrent sends commit and flush one at a time.
DROP TRIGGER IF EXISTS events_ring ON events;
DROP FUNCTION IF EXISTS switchboard_ring();
