-- The audit trail (store.Event). seq is the trail's order: a single writer commits in seq order, and AUTOINCREMENT
-- never hands out a seq again after the newest events are pruned, so a reader following the trail misses none.
CREATE TABLE events (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  id      TEXT NOT NULL,
  time    INTEGER NOT NULL,
  data    BLOB NOT NULL
);
CREATE UNIQUE INDEX events_id ON events (id);
-- LookupEvents without an attribute, newest first, and pruning by time.
CREATE INDEX events_time ON events (account, time, seq);
CREATE INDEX events_prune ON events (time);
-- One row per lookup attribute of an event: LookupEvents with an attribute reads a range of this index.
CREATE TABLE event_attrs (
  account TEXT NOT NULL,
  name    TEXT NOT NULL,
  value   TEXT NOT NULL,
  time    INTEGER NOT NULL,
  seq     INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
  PRIMARY KEY (account, name, value, time, seq)
) WITHOUT ROWID;
CREATE INDEX event_attrs_seq ON event_attrs (seq);
