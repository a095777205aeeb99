package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints. SQLite copies the pages a write-ahead log holds back into the database file in a checkpoint, and
// by default the commit that takes the log past 1,000 pages runs it: that request then copies every page changed
// since the last one and waits for two fsyncs, the log's and the database's, which on a virtual disk take
// milliseconds. A store runs checkpoints on a connection of its own instead, a few milliseconds after commits
// (checkpointDelay), in SQLite's PASSIVE mode, which neither waits for nor blocks readers and writers.
//
// A passive checkpoint never restarts the log, and while writes go on without a pause it never finds the log
// wholly copied, which a writer needs to start the log over. The writer's own checkpoint stays, at
// writerCheckpointPages, to bound the log: by then the store's checkpoints have copied nearly all of it, and the
// commit that runs it copies the rest, syncs, and the next one starts the log over.

// checkpointDelay is how long the checkpointer lets commits gather after the first one it is told of.
const checkpointDelay = 10 * time.Millisecond

// writerCheckpointPages is the writer connection's wal_autocheckpoint: the log's bound, in pages.
const writerCheckpointPages = 4000

// checkpointer runs a store's checkpoints.
type checkpointer struct {
	db   *sql.DB
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer of a commit. A nil checkpointer (a store being opened) ignores it.
func (c *checkpointer) committed() {
	if c == nil {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-c.wake:
		}
		timer.Reset(checkpointDelay)
		select {
		case <-c.quit:
			timer.Stop()
			return
		case <-timer.C:
		}
		c.checkpoint()
	}
}

// checkpoint runs one passive checkpoint. Its failure (another process checkpointing, a full disk) leaves the pages
// to the next one, or to the writer's own.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var busy, log, copied int64
	_ = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
}

// stop ends the checkpointer and closes its connection. A nil checkpointer is stopped already.
func (c *checkpointer) stop() error {
	if c == nil {
		return nil
	}
	select {
	case <-c.quit:
		return nil // stopped before
	default:
	}
	close(c.quit)
	<-c.done
	return c.db.Close()
}
