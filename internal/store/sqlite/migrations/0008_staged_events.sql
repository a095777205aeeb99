-- A change's event is staged in the shared generations' row, which the change's commit rewrites anyway, rather than
-- written as a row of events: that row's page is then all the event costs the commit (staged.go). The next write of
-- events moves the staged events to events, with their seqs. A node of the release before this one neither reads nor
-- moves staged events: while both run on one database, its LookupEvents misses the newest events of changes until
-- they are moved.
ALTER TABLE generations ADD COLUMN staged BLOB;        -- the staged events, one after another (staged.go: appendStaged)
ALTER TABLE generations ADD COLUMN staged_seq INTEGER; -- the seq of the last staged event; NULL when none is staged
