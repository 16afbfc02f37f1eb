package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Blob returns a file body by its git blob SHA (ok false: not cached).
func (db *DB) Blob(ctx context.Context, sha string) (body []byte, ok bool, err error) {
	if err := db.Q().QueryRow(ctx, `SELECT body FROM blobs WHERE sha = ?`, sha).Scan(&body); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("blob %s: %w", sha, err)
	}
	// Mark it used, so the prune keeps what audits still read.
	if _, err := db.Q().Exec(ctx, `UPDATE blobs SET used_at = ? WHERE sha = ?`, now(), sha); err != nil {
		return nil, false, fmt.Errorf("blob %s: %w", sha, err)
	}
	return body, true, nil
}

// SaveBlob caches a file body under its git blob SHA. The caller has
// checked that the bytes hash to sha.
func (db *DB) SaveBlob(ctx context.Context, sha string, body []byte) error {
	_, err := db.Q().Exec(ctx, `INSERT INTO blobs (sha, body, used_at) VALUES (?, ?, ?)
		ON CONFLICT (sha) DO UPDATE SET used_at = excluded.used_at`, sha, body, now())
	if err != nil {
		return fmt.Errorf("save blob %s: %w", sha, err)
	}
	return nil
}

// PruneBlobs deletes bodies no audit read since cutoff.
func (db *DB) PruneBlobs(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := db.Q().Exec(ctx, "DELETE FROM blobs WHERE used_at < ?", cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune blobs: %w", err)
	}
	return n, nil
}
