-- Attributes appended as Latest (store.EventAttr.Latest): PruneEvents keeps the newest event of each of their
-- values, so that last-accessed data outlives the trail's retention.
ALTER TABLE event_attrs ADD COLUMN latest INTEGER NOT NULL DEFAULT 0;
