package store

import (
	"context"
	"fmt"
	"time"
)

// PRHead is a pull request's head commit as of one webhook.
type PRHead struct {
	RepoID  int64
	Number  int
	HeadSHA string
	// UpdatedAt is the payload's pull_request.updated_at: what orders two
	// events of one pull request (deliveries can arrive out of order).
	UpdatedAt time.Time
}

// RecordPRHead remembers h as its pull request's latest head, inside the
// caller's transaction q (the one that queues the check of h). It moves
// forward only: an event whose UpdatedAt is older than the recorded one
// (a late redelivery) changes nothing and reports false. Equal times
// count as newer, so the later of two events of one second wins.
func RecordPRHead(ctx context.Context, q Querier, h PRHead) (recorded bool, err error) {
	n, err := q.Exec(ctx, `INSERT INTO pr_heads (repo_id, pr_number, head_sha, pr_updated_at, recorded_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (repo_id, pr_number) DO UPDATE
		SET head_sha = excluded.head_sha, pr_updated_at = excluded.pr_updated_at, recorded_at = excluded.recorded_at
		WHERE pr_heads.pr_updated_at <= excluded.pr_updated_at`,
		h.RepoID, h.Number, h.HeadSHA, h.UpdatedAt.Unix(), now())
	if err != nil {
		return false, fmt.Errorf("record head of pull request %d: %w", h.Number, err)
	}
	return n == 1, nil
}

// PRHead returns the latest head recorded for a pull request, or
// ErrNotFound.
func (db *DB) PRHead(ctx context.Context, repoID int64, number int) (PRHead, error) {
	h := PRHead{RepoID: repoID, Number: number}
	var updated int64
	err := db.Q().QueryRow(ctx, "SELECT head_sha, pr_updated_at FROM pr_heads WHERE repo_id = ? AND pr_number = ?",
		repoID, number).Scan(&h.HeadSHA, &updated)
	if err != nil {
		return PRHead{}, fmt.Errorf("head of pull request %d: %w", number, err)
	}
	h.UpdatedAt = time.Unix(updated, 0).UTC()
	return h, nil
}

// PrunePRHeads forgets heads recorded before cutoff: a pull request silent
// that long has no job left to supersede.
func (db *DB) PrunePRHeads(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := db.Q().Exec(ctx, "DELETE FROM pr_heads WHERE recorded_at < ?", cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune pull request heads: %w", err)
	}
	return n, nil
}
