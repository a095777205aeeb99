-- The newest event of each value of an attribute appended as Latest (store.EventAttr.Latest): PruneEvents keeps
-- the events named here, so that last-accessed data outlives the trail's retention.
CREATE TABLE event_latest (
  account TEXT NOT NULL,
  name    TEXT NOT NULL,
  value   TEXT NOT NULL,
  time    INTEGER NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (account, name, value)
) WITHOUT ROWID;
CREATE INDEX event_latest_seq ON event_latest (seq);
