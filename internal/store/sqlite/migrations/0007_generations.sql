-- The store's shared generations (store.Store.Sync): one row that every Update bumps (gen and pgen) and every
-- UpdateStamps bumps (gen only) in its own transaction, so that every other handle on the database (another iamd
-- process) learns by one read that something was committed, and retires its caches.
CREATE TABLE generations (
  id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  gen  INTEGER NOT NULL,
  pgen INTEGER NOT NULL
);
INSERT INTO generations (id, gen, pgen) VALUES (1, 0, 0);
