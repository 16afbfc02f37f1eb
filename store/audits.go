package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuditState is what the last audit of a repository's default branch saw.
type AuditState struct {
	RepoID int64
	Repo   string // owner/name, for operators reading the table
	// InputKey is a hash of everything the audit read (default-branch SHA,
	// config, ignores, rules version): equal keys need no new analysis.
	InputKey string
	SHA      string
	// Branch is the default branch's name the SHA was read from.
	Branch string
	// Failing are the automated checklist items that failed, by ID; a
	// closed issue is reopened only when an item outside them fails.
	Failing     []string
	IssueNumber int
	UpdatedAt   time.Time
}

// AuditScore is one audit's score, for the issue's chart.
type AuditScore struct {
	At              time.Time
	Pass, Automated int
}

// Audit returns a repository's audit state, or ErrNotFound.
func (db *DB) Audit(ctx context.Context, repoID int64) (AuditState, error) {
	s := AuditState{RepoID: repoID}
	var failing string
	err := db.Q().QueryRow(ctx, `SELECT repo, input_key, sha, branch, failing, issue_number, updated_at
		FROM audits WHERE repo_id = ?`, repoID).
		Scan(&s.Repo, &s.InputKey, &s.SHA, &s.Branch, &failing, &s.IssueNumber, &s.UpdatedAt)
	if err != nil {
		return AuditState{}, fmt.Errorf("audit state of repository %d: %w", repoID, err)
	}
	if failing != "" {
		s.Failing = strings.Split(failing, ",")
	}
	return s, nil
}

// SaveAudit records a repository's audit state, replacing the last.
func (db *DB) SaveAudit(ctx context.Context, s AuditState) error {
	t := now()
	_, err := db.Q().Exec(ctx, `INSERT INTO audits (repo_id, repo, input_key, sha, branch, failing, issue_number, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repo_id) DO UPDATE SET repo = excluded.repo, input_key = excluded.input_key,
			sha = excluded.sha, branch = excluded.branch, failing = excluded.failing, issue_number = excluded.issue_number,
			updated_at = excluded.updated_at`,
		s.RepoID, s.Repo, s.InputKey, s.SHA, s.Branch, strings.Join(s.Failing, ","), s.IssueNumber, t)
	if err != nil {
		return fmt.Errorf("save audit state of %s: %w", s.Repo, err)
	}
	return nil
}

// AddAuditScore appends one audit's score to a repository's history.
func (db *DB) AddAuditScore(ctx context.Context, repoID int64, sc AuditScore) error {
	_, err := db.Q().Exec(ctx, `INSERT INTO audit_scores (repo_id, at, pass, automated) VALUES (?, ?, ?, ?)`,
		repoID, sc.At.UTC(), sc.Pass, sc.Automated)
	if err != nil {
		return fmt.Errorf("add audit score of repository %d: %w", repoID, err)
	}
	return nil
}

// AuditScores returns a repository's last n scores, oldest first.
func (db *DB) AuditScores(ctx context.Context, repoID int64, n int) ([]AuditScore, error) {
	rows, err := db.Q().Query(ctx, `SELECT at, pass, automated FROM audit_scores
		WHERE repo_id = ? ORDER BY at DESC LIMIT ?`, repoID, n)
	if err != nil {
		return nil, fmt.Errorf("audit scores of repository %d: %w", repoID, err)
	}
	defer rows.Close()
	var out []AuditScore
	for rows.Next() {
		var s AuditScore
		if err := rows.Scan(&s.At, &s.Pass, &s.Automated); err != nil {
			return nil, fmt.Errorf("audit scores of repository %d: %w", repoID, err)
		}
		s.At = s.At.UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit scores of repository %d: %w", repoID, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
