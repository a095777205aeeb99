CREATE TABLE entities (
  account  TEXT NOT NULL,
  kind     TEXT NOT NULL,
  name_key TEXT NOT NULL,
  name     TEXT NOT NULL,
  path     TEXT NOT NULL,
  id       TEXT NOT NULL,
  arn      TEXT NOT NULL,
  parent   TEXT NOT NULL,
  created  INTEGER NOT NULL,
  data     BLOB NOT NULL,
  PRIMARY KEY (account, kind, name_key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX entities_id ON entities (id) WHERE id <> '';
CREATE INDEX entities_parent ON entities (account, kind, parent, name_key);

CREATE TABLE links (
  account TEXT NOT NULL,
  kind    TEXT NOT NULL,
  src     TEXT NOT NULL,
  dst     TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (account, kind, src, dst)
) WITHOUT ROWID;
CREATE INDEX links_dst ON links (account, kind, dst, src);

CREATE TABLE settings (
  account TEXT NOT NULL,
  key     TEXT NOT NULL,
  value   BLOB NOT NULL,
  PRIMARY KEY (account, key)
) WITHOUT ROWID;
