-- A cursor must never be handed out twice. event_recipients.id was a plain
-- rowid, which SQLite reuses once the highest rows are deleted: after a
-- principal acknowledged (or retention dropped) the newest entries, the next
-- event got a cursor at or below one already delivered, so live sockets and
-- clients skipped it as a duplicate and a resume never returned it.
-- AUTOINCREMENT keeps ids above every id ever used, across restarts.
CREATE TABLE event_recipients_v2 (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  principal TEXT NOT NULL,
  event_id  INTEGER NOT NULL
);
INSERT INTO event_recipients_v2 (id, principal, event_id) SELECT id, principal, event_id FROM event_recipients;

-- Start above every cursor handed out so far: those retained and those dropped (the floors).
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'event_recipients_v2', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'event_recipients_v2');
UPDATE sqlite_sequence SET seq = max(
    seq,
    coalesce((SELECT max(id) FROM event_recipients), 0),
    coalesce((SELECT max(deleted_through) FROM event_floors), 0))
  WHERE name = 'event_recipients_v2';

DROP TABLE event_recipients;
ALTER TABLE event_recipients_v2 RENAME TO event_recipients;
CREATE INDEX event_recipients_by_principal ON event_recipients (principal, id);
