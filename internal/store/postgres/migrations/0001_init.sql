-- iamd's schema on PostgreSQL 13+: plain SQL, no extensions. Text that is compared or ordered uses the "C"
-- collation, so that names sort byte by byte whatever the database's locale, as they do in the SQLite store
-- (and page markers mean the same on both).

-- Entities of every kind. name_key is the name lower-cased by iamd (Go's strings.ToLower, as the SQLite store
-- does): the primary key makes names unique per account and kind, ignoring case.
CREATE TABLE entities (
  account  text COLLATE "C" NOT NULL,
  kind     text COLLATE "C" NOT NULL,
  name_key text COLLATE "C" NOT NULL,
  name     text NOT NULL,
  path     text COLLATE "C" NOT NULL,
  id       text COLLATE "C" NOT NULL,
  arn      text COLLATE "C" NOT NULL,
  parent   text COLLATE "C" NOT NULL,
  created  bigint NOT NULL, -- Unix nanoseconds
  data     bytea NOT NULL,
  PRIMARY KEY (account, kind, name_key)
);
CREATE UNIQUE INDEX entities_id ON entities (id) WHERE id <> '';
CREATE INDEX entities_parent ON entities (account, kind, parent, name_key);
-- Entities selected by ARN (store.ListQuery.ARN), a lookup on the decision API's request path.
CREATE INDEX entities_arn ON entities (account, kind, arn, name_key);

CREATE TABLE links (
  account text COLLATE "C" NOT NULL,
  kind    text COLLATE "C" NOT NULL,
  src     text COLLATE "C" NOT NULL,
  dst     text COLLATE "C" NOT NULL,
  created bigint NOT NULL,
  PRIMARY KEY (account, kind, src, dst)
);
CREATE INDEX links_dst ON links (account, kind, dst, src);

CREATE TABLE settings (
  account text COLLATE "C" NOT NULL,
  key     text COLLATE "C" NOT NULL,
  value   bytea NOT NULL,
  PRIMARY KEY (account, key)
);

-- Store-wide values that belong to no account, e.g. the check that the master key opens this database's secrets.
CREATE TABLE meta (
  key   text COLLATE "C" PRIMARY KEY,
  value bytea NOT NULL
);

-- The store's generations, bumped by every write transaction that moves them, in that transaction: gen by Update
-- and UpdateStamps, policy_gen by Update only. Its one row is also the write lock: a write transaction updates it
-- first, so writes on every node commit one after the other, as on SQLite's single writer.
CREATE TABLE generations (
  one        boolean PRIMARY KEY DEFAULT true CHECK (one),
  gen        bigint NOT NULL,
  policy_gen bigint NOT NULL
);
INSERT INTO generations (one, gen, policy_gen) VALUES (true, 0, 0);

-- The audit trail (store.Event). seq is the trail's order: every transaction that appends events takes an advisory
-- lock first, so seqs are handed out and committed in order, and an identity never hands a seq out again after the
-- newest events are pruned, so a reader following the trail misses none.
CREATE TABLE events (
  seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account text COLLATE "C" NOT NULL,
  id      text COLLATE "C" NOT NULL UNIQUE,
  time    bigint NOT NULL, -- Unix nanoseconds
  data    bytea NOT NULL
);
-- LookupEvents without an attribute, newest first, and pruning by time.
CREATE INDEX events_time ON events (account, time, seq);
CREATE INDEX events_prune ON events (time);
-- One row per lookup attribute of an event: LookupEvents with an attribute reads a range of the primary key.
-- latest marks the attributes appended as Latest (store.EventAttr.Latest): PruneEvents keeps the newest event of
-- each of their values.
CREATE TABLE event_attrs (
  account text COLLATE "C" NOT NULL,
  name    text COLLATE "C" NOT NULL,
  value   text COLLATE "C" NOT NULL,
  time    bigint NOT NULL,
  seq     bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
  latest  boolean NOT NULL,
  PRIMARY KEY (account, name, value, time, seq)
);
CREATE INDEX event_attrs_seq ON event_attrs (seq);
