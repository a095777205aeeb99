-- Store-wide values that belong to no account, e.g. the check that the master key opens this database's secrets.
CREATE TABLE meta (
  key   TEXT NOT NULL PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
