-- Writes of one commit group share a transaction (storage/transactions.ts),
-- so a seq is no longer always taken at its transaction's first write. A
-- conversation keeps the id of the transaction that took its newest seq, and
-- a transaction that would take the next seq with a smaller id (it started
-- writing before that one, and waited for the conversation's lock) fails
-- with serialization_failure instead: its jobs then run again, each in its
-- own transaction, where the seq is the first write. So cursor order stays
-- seq order within a conversation (docs/SCALING.md).
--
-- A group does not wait for a conversation's seq lock either: it takes it
-- with switchboard_seq_try_lock, which fails with lock_not_available when
-- another transaction holds it, and that job runs again on its own, where
-- it waits. So the groups of several nodes never wait for one another, and
-- cannot deadlock one another.
ALTER TABLE conversations ADD COLUMN last_seq_xid BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION switchboard_seq_xid(previous BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  mine BIGINT := pg_current_xact_id()::text::bigint;
BEGIN
  IF previous > mine THEN
    RAISE EXCEPTION 'a later transaction took a seq in this conversation first' USING ERRCODE = '40001';
  END IF;
  RETURN mine;
END
$$;

CREATE FUNCTION switchboard_seq_try_lock(key BIGINT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(key) THEN
    RAISE EXCEPTION 'another transaction holds this conversation''s seq lock' USING ERRCODE = '55P03';
  END IF;
  RETURN true;
END
$$;
