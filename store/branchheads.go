package store

import (
	"context"
	"fmt"
	"time"
)

// BranchHead is where a repository's default branch pointed when djsec
// last heard (a push event, or the audit's own read).
type BranchHead struct {
	Branch, SHA string
	At          time.Time
}

// SaveBranchHead records the default branch's head.
func (db *DB) SaveBranchHead(ctx context.Context, repoID int64, branch, sha string) error {
	_, err := db.Q().Exec(ctx, `INSERT INTO branch_heads (repo_id, branch, sha, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (repo_id) DO UPDATE SET branch = excluded.branch, sha = excluded.sha, updated_at = excluded.updated_at`,
		repoID, branch, sha, now())
	if err != nil {
		return fmt.Errorf("save branch head of %d: %w", repoID, err)
	}
	return nil
}

// BranchHead returns the recorded head (ErrNotFound: none).
func (db *DB) BranchHead(ctx context.Context, repoID int64) (BranchHead, error) {
	var h BranchHead
	if err := db.Q().QueryRow(ctx, `SELECT branch, sha, updated_at FROM branch_heads WHERE repo_id = ?`, repoID).
		Scan(&h.Branch, &h.SHA, &h.At); err != nil {
		return BranchHead{}, fmt.Errorf("branch head of %d: %w", repoID, err)
	}
	return h, nil
}
