package store

import (
	"context"
	"errors"
	"fmt"
)

// Fixup is the fix-up pull request djsec keeps for one pull request.
type Fixup struct {
	RepoID  int64
	PR      int    // the pull request being fixed
	FixupPR int    // djsec's pull request into its head branch (0: none yet)
	Branch  string // djsec/fix/pr-<n>
	State   string // open | closed
	// HeadSHA is the pull request head the fix-up commit was built on.
	HeadSHA string
}

// Fixup returns the fix-up recorded for a pull request, or ErrNotFound.
func (db *DB) Fixup(ctx context.Context, repoID int64, pr int) (Fixup, error) {
	f := Fixup{RepoID: repoID, PR: pr}
	err := db.Q().QueryRow(ctx, "SELECT fixup_pr, branch, state, head_sha FROM fixups WHERE repo_id = ? AND pr_number = ?",
		repoID, pr).Scan(&f.FixupPR, &f.Branch, &f.State, &f.HeadSHA)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Fixup{}, ErrNotFound
		}
		return Fixup{}, fmt.Errorf("fix-up of pull request %d: %w", pr, err)
	}
	return f, nil
}

// SaveFixup records f, replacing the pull request's earlier row.
func (db *DB) SaveFixup(ctx context.Context, f Fixup) error {
	_, err := db.Q().Exec(ctx, `INSERT INTO fixups (repo_id, pr_number, fixup_pr, branch, state, head_sha, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repo_id, pr_number) DO UPDATE
		SET fixup_pr = excluded.fixup_pr, branch = excluded.branch, state = excluded.state,
			head_sha = excluded.head_sha, updated_at = excluded.updated_at`,
		f.RepoID, f.PR, f.FixupPR, f.Branch, f.State, f.HeadSHA, now())
	if err != nil {
		return fmt.Errorf("save fix-up of pull request %d: %w", f.PR, err)
	}
	return nil
}
