-- A commit group whose job finds a conversation's seq lock held no longer
-- fails the whole group (migration 008 raised an error, which aborts the
-- shared transaction, so every job of the group ran again). The append asks
-- switchboard_seq_take instead, which answers false: the append then writes
-- nothing, its job is set aside, the rest of the group commits, and the jobs
-- set aside run together in a second transaction that takes their
-- conversations' locks first, in ascending order (switchboard_seq_lock_all),
-- so that each seq is again taken after the previous holder committed.
--
-- Within a transaction, a conversation refused once stays refused
-- (switchboard.seq_busy, a transaction-local list): otherwise a later job of
-- the same group could take a seq there before an earlier one that was set
-- aside, and a sender's messages would change order.
--
-- Migration 008's functions stay for nodes of the previous version during a
-- rolling upgrade; nothing of this version calls them.

-- key: the conversation's advisory-lock key; previous: its last_seq_xid;
-- wait: wait for the lock (a transaction of its own, or one that took its
-- locks first) rather than answer false.
CREATE FUNCTION switchboard_seq_take(key BIGINT, previous BIGINT, wait BOOLEAN) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
  busy TEXT;
BEGIN
  IF wait THEN
    PERFORM pg_advisory_xact_lock(key);
    IF previous > pg_current_xact_id()::text::bigint THEN
      RAISE EXCEPTION 'a later transaction took a seq in this conversation first' USING ERRCODE = '40001';
    END IF;
    RETURN true;
  END IF;
  busy := coalesce(current_setting('switchboard.seq_busy', true), '');
  IF position(',' || key || ',' IN busy) > 0 THEN
    RETURN false;
  END IF;
  -- The lock before the transaction id: a transaction without one yet gets it only once it holds the lock.
  IF pg_try_advisory_xact_lock(key) THEN
    IF previous <= pg_current_xact_id()::text::bigint THEN
      RETURN true;
    END IF;
  END IF;
  PERFORM set_config('switchboard.seq_busy', CASE WHEN busy = '' THEN ',' ELSE busy END || key || ',', true);
  RETURN false;
END
$$;

-- Wait for every lock of `keys`, in ascending order: two transactions that
-- lock this way never wait for each other in a cycle.
CREATE FUNCTION switchboard_seq_lock_all(keys BIGINT[]) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  k BIGINT;
BEGIN
  FOR k IN SELECT DISTINCT u FROM unnest(keys) AS u ORDER BY u LOOP
    PERFORM pg_advisory_xact_lock(k);
  END LOOP;
END
$$;
