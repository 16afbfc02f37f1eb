package store

import (
	"context"
	"fmt"
	"time"
)

// Ignore is a finding a repository decided to live with (/djsec ignore).
type Ignore struct {
	RepoID int64
	Rule   string // canonical rule ID
	// PathGlob narrows the ignore to some files ("" every file).
	PathGlob string
	// PR is the pull request the ignore is limited to (--pr); 0 is
	// repository-wide.
	PR        int
	Reason    string
	By        string
	CreatedAt time.Time
	// Until is when the ignore stops applying (zero: never).
	Until time.Time
}

// AddIgnore records ig, replacing the one with the same rule, glob and
// pull request (a second ignore updates its reason, author and expiry).
// It reports whether an ignore was there already.
func (db *DB) AddIgnore(ctx context.Context, ig Ignore) (replaced bool, err error) {
	q := db.Q()
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM ignores WHERE repo_id = ? AND rule = ? AND path_glob = ? AND pr_number = ?`,
		ig.RepoID, ig.Rule, ig.PathGlob, ig.PR).Scan(&n); err != nil {
		return false, fmt.Errorf("add ignore of %s: %w", ig.Rule, err)
	}
	if ig.CreatedAt.IsZero() {
		ig.CreatedAt = now()
	}
	_, err = q.Exec(ctx, `INSERT INTO ignores (repo_id, rule, path_glob, pr_number, reason, created_by, created_at, until_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repo_id, rule, path_glob, pr_number) DO UPDATE SET
			reason = excluded.reason, created_by = excluded.created_by, created_at = excluded.created_at, until_ms = excluded.until_ms`,
		ig.RepoID, ig.Rule, ig.PathGlob, ig.PR, ig.Reason, ig.By, ig.CreatedAt.UTC(), untilMS(ig.Until))
	if err != nil {
		return false, fmt.Errorf("add ignore of %s: %w", ig.Rule, err)
	}
	return n > 0, nil
}

// RemoveIgnores deletes the ignores of rule with exactly this glob that
// apply to pull request pr: the repository-wide one and pr's own (pr 0:
// only the repository-wide one). It returns how many it deleted.
func (db *DB) RemoveIgnores(ctx context.Context, repoID int64, rule, glob string, pr int) (int64, error) {
	n, err := db.Q().Exec(ctx, `DELETE FROM ignores WHERE repo_id = ? AND rule = ? AND path_glob = ? AND (pr_number = 0 OR pr_number = ?)`,
		repoID, rule, glob, pr)
	if err != nil {
		return 0, fmt.Errorf("remove ignores of %s: %w", rule, err)
	}
	return n, nil
}

// Ignores lists a repository's ignores that concern pull request pr (the
// repository-wide ones and pr's own; pr 0: every one, whatever its pull
// request), expired ones included, by rule, glob and pull request. Callers
// decide what an expired ignore means (review skips it; /djsec ignores
// shows it as expired).
func (db *DB) Ignores(ctx context.Context, repoID int64, pr int) ([]Ignore, error) {
	query := `SELECT rule, path_glob, pr_number, reason, created_by, created_at, until_ms FROM ignores WHERE repo_id = ?`
	args := []any{repoID}
	if pr != 0 {
		query += ` AND (pr_number = 0 OR pr_number = ?)`
		args = append(args, pr)
	}
	rows, err := db.Q().Query(ctx, query+` ORDER BY rule, path_glob, pr_number`, args...)
	if err != nil {
		return nil, fmt.Errorf("ignores: %w", err)
	}
	defer rows.Close()
	var out []Ignore
	for rows.Next() {
		ig := Ignore{RepoID: repoID}
		var until int64
		if err := rows.Scan(&ig.Rule, &ig.PathGlob, &ig.PR, &ig.Reason, &ig.By, &ig.CreatedAt, &until); err != nil {
			return nil, fmt.Errorf("ignores: %w", err)
		}
		ig.CreatedAt = ig.CreatedAt.UTC()
		if until > 0 {
			ig.Until = time.UnixMilli(until).UTC()
		}
		out = append(out, ig)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ignores: %w", err)
	}
	return out, nil
}

func untilMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
