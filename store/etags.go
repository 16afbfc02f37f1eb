package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ETag is a cached GitHub response: the ETag GitHub sent and the body it
// stands for. A conditional request that GitHub answers 304 Not Modified
// (free against the rate limit) is served from Body.
type ETag struct {
	Key       string
	ETag      string
	Body      []byte
	UpdatedAt time.Time
}

// ETags is the conditional-request cache the GitHub client keeps in the
// database, so it survives restarts and is shared between machines.
type ETags struct{ db *DB }

// ETags returns the cache on db.
func (db *DB) ETags() *ETags { return &ETags{db: db} }

// Get returns the ETag and body stored for key; ok is false when there is
// none. (The shape of githubapp.ETagStore, which this implements.)
func (e *ETags) Get(ctx context.Context, key string) (etag string, body []byte, ok bool, err error) {
	t, err := e.Entry(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, err
	}
	return t.ETag, t.Body, true, nil
}

// Entry returns the entry for key, or ErrNotFound.
func (e *ETags) Entry(ctx context.Context, key string) (ETag, error) {
	t := ETag{Key: key}
	err := e.db.Q().QueryRow(ctx, "SELECT etag, body, updated_at FROM etags WHERE key = ?", key).
		Scan(&t.ETag, &t.Body, &t.UpdatedAt)
	if err != nil {
		return ETag{}, fmt.Errorf("etag %q: %w", key, err)
	}
	return t, nil
}

// Put stores (or replaces) the entry for key.
func (e *ETags) Put(ctx context.Context, key, etag string, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	_, err := e.db.Q().Exec(ctx, `INSERT INTO etags (key, etag, body, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, body = excluded.body, updated_at = excluded.updated_at`,
		key, etag, body, now())
	if err != nil {
		return fmt.Errorf("put etag %q: %w", key, err)
	}
	return nil
}

// Delete forgets the entry for key (no error when there is none).
func (e *ETags) Delete(ctx context.Context, key string) error {
	if _, err := e.db.Q().Exec(ctx, "DELETE FROM etags WHERE key = ?", key); err != nil {
		return fmt.Errorf("delete etag %q: %w", key, err)
	}
	return nil
}

// Prune forgets entries not refreshed since cutoff.
func (e *ETags) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := e.db.Q().Exec(ctx, "DELETE FROM etags WHERE updated_at < ?", cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune etags: %w", err)
	}
	return n, nil
}
