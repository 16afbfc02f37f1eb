package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointInterval is how often the WAL is copied back into the
// database file.
const checkpointInterval = 500 * time.Millisecond

// checkpointer runs SQLite's WAL checkpoints on a connection of its own.
//
// Left to SQLite, a checkpoint runs inside whichever commit crosses the
// WAL size threshold, fsyncing the database file, and — djsec having one
// connection for everything else — every webhook waiting for that
// connection waits for it too. A PASSIVE checkpoint from a connection of
// its own takes no lock that writers need, so the webhooks go on while it
// copies.
type checkpointer struct {
	db      *sql.DB
	quit    chan struct{}
	done    sync.WaitGroup
	stopped sync.Once
}

func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open(sqliteDriverName, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	c := &checkpointer{db: db, quit: make(chan struct{})}
	c.done.Add(1)
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer c.done.Done()
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			// Errors (SQLITE_BUSY while another process checkpoints) only
			// mean this round is skipped; the automatic checkpoint remains.
			_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			cancel()
		}
	}
}

func (c *checkpointer) stop() {
	if c == nil {
		return
	}
	c.stopped.Do(func() {
		close(c.quit)
		c.done.Wait()
		c.db.Close()
	})
}
