-- The trail's lookup index becomes posting lists written in batches (events.go): an event appended with a change
-- costs that change one row, and the events appended since the last batch (the tail, seq past the newest batch)
-- are indexed together by the next AppendEvents. The events table keeps the event's attributes with it (attrs) so
-- that the tail can be indexed, and read, without the caller.
-- No AUTOINCREMENT (whose high mark costs every append a write of sqlite_sequence): a new event takes the greatest
-- seq plus one, and PruneEvents never removes the event of the greatest seq, so no seq is handed out twice. (A
-- database whose newest events were pruned before this migration hands out their seqs again; a follower of the
-- trail that read them while they existed would miss that many new events.)
CREATE TABLE events_v6 (
  seq     INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  id      TEXT NOT NULL,
  time    INTEGER NOT NULL,
  attrs   BLOB NOT NULL,    -- the lookup attributes (events.go: encodeAttrs)
  data    BLOB NOT NULL
);
INSERT INTO events_v6 (seq, account, id, time, attrs, data) SELECT seq, account, id, time, CAST(coalesce((
    SELECT group_concat(latest || length(CAST(name AS BLOB)) || ':' || name || length(CAST(value AS BLOB)) || ':' || value, '')
    FROM event_attrs WHERE event_attrs.seq = events.seq), '') AS BLOB), data FROM events;
-- The event's ID, for replacement and LookupEvents by EventId.
CREATE TABLE event_ids (
  id  TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO event_ids (id, seq) SELECT id, seq FROM events;
-- One row per indexed batch: the seqs (lo, batch] and the times of its events. The newest batch is the watermark:
-- events past it are the tail.
CREATE TABLE event_batches (
  batch    INTEGER PRIMARY KEY,
  lo       INTEGER NOT NULL,
  time_min INTEGER NOT NULL,
  time_max INTEGER NOT NULL
);
CREATE INDEX event_batches_time ON event_batches (time_min);
INSERT INTO event_batches (batch, lo, time_min, time_max) SELECT max(seq), 0, min(time), max(time) FROM events HAVING count(*) > 0;
-- One row per batch and attribute value (name '' and value '': every event of the account), holding its events'
-- (time, seq) newest first, 16 bytes each, big-endian; the key is the newest entry.
CREATE TABLE event_postings (
  account  TEXT NOT NULL,
  name     TEXT NOT NULL,
  value    TEXT NOT NULL,
  time_max INTEGER NOT NULL,
  seq_max  INTEGER NOT NULL,
  time_min INTEGER NOT NULL,
  batch    INTEGER NOT NULL,
  list     BLOB NOT NULL,
  PRIMARY KEY (account, name, value, time_max, seq_max)
) WITHOUT ROWID;
CREATE INDEX event_postings_batch ON event_postings (batch);
INSERT INTO event_postings (account, name, value, time_max, seq_max, time_min, batch, list)
  SELECT account, name, value, time, seq, time, (SELECT max(seq) FROM events), unhex(printf('%016X%016X', time, seq)) FROM event_attrs;
INSERT INTO event_postings (account, name, value, time_max, seq_max, time_min, batch, list)
  SELECT account, '', '', time, seq, time, (SELECT max(seq) FROM events), unhex(printf('%016X%016X', time, seq)) FROM events;
-- The newest event of each value of an attribute appended as Latest, which PruneEvents keeps.
CREATE TABLE event_latest (
  account TEXT NOT NULL,
  name    TEXT NOT NULL,
  value   TEXT NOT NULL,
  time    INTEGER NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (account, name, value)
) WITHOUT ROWID;
INSERT INTO event_latest (account, name, value, time, seq)
  SELECT account, name, value, time, seq FROM event_attrs AS a WHERE latest = 1 AND NOT EXISTS (
    SELECT 1 FROM event_attrs AS b WHERE b.account = a.account AND b.name = a.name AND b.value = a.value
      AND (b.time > a.time OR (b.time = a.time AND b.seq > a.seq)));
-- migration-exception: the trail's tables are rebuilt (docs/migrations.md, exceptions); written before iamd ran as
-- many nodes, an iamd of the release before reads and writes the old tables, so every process on the file stops first.
DROP TABLE event_attrs;
-- migration-exception: as above, the old events table gives way to events_v6.
DROP TABLE events;
-- migration-exception: as above, events_v6 takes the old table's name.
ALTER TABLE events_v6 RENAME TO events;
