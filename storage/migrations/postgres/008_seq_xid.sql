-- Writes of one commit group share a transaction (storage/transactions.ts),
-- so a seq is no longer always taken at its transaction's first write. A
-- conversation keeps the id of the transaction that took its newest seq, and
-- a transaction that would take the next seq with a smaller id (it started
-- writing before that one, and waited for the conversation's lock) fails
-- with serialization_failure instead: its jobs then run again, each in its
-- own transaction, where the seq is the first write. So cursor order stays
-- seq order within a conversation (docs/SCALING.md).
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
