package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrLeaseLost is returned by SaveCheckRun when the caller no longer holds
// the row's lease (it expired and another job took it).
var ErrLeaseLost = errors.New("the check run's lease was lost to another job")

// CheckRunState is what djsec knows of its check run on one commit.
type CheckRunState struct {
	RepoID  int64
	HeadSHA string
	Repo    string // owner/name, for operators reading the table
	// PR is the pull request the run was made for (reruns of a fork's
	// commit, whose events list no pull request, find it here).
	PR int
	// CheckRunID is GitHub's ID of the run, 0 until it is created.
	CheckRunID int64
	// ExternalID is the run's external_id: the inputs it reflects.
	ExternalID string
	// Status is "", in_progress or completed.
	Status     string
	Conclusion string
	// AnnotationsSent counts the annotations GitHub already has on the run
	// for ExternalID (they add up across updates, so a retry resumes after
	// them). -1 while an update carrying annotations awaits its answer:
	// whoever finds it so reads the count back from GitHub.
	AnnotationsSent int
	LeaseOwner      string
	LeaseUntil      time.Time
	UpdatedAt       time.Time
}

// CheckRun returns the state of djsec's check run on a commit, or
// ErrNotFound.
func (db *DB) CheckRun(ctx context.Context, repoID int64, headSHA string) (CheckRunState, error) {
	return checkRun(ctx, db.Q(), repoID, headSHA)
}

func checkRun(ctx context.Context, q Querier, repoID int64, headSHA string) (CheckRunState, error) {
	s := CheckRunState{RepoID: repoID, HeadSHA: headSHA}
	var leaseUntil int64
	err := q.QueryRow(ctx, `SELECT repo, pr_number, check_run_id, external_id, status, conclusion,
		annotations_sent, lease_owner, lease_until, updated_at
		FROM check_runs WHERE repo_id = ? AND head_sha = ?`, repoID, headSHA).
		Scan(&s.Repo, &s.PR, &s.CheckRunID, &s.ExternalID, &s.Status, &s.Conclusion,
			&s.AnnotationsSent, &s.LeaseOwner, &leaseUntil, &s.UpdatedAt)
	if err != nil {
		return CheckRunState{}, fmt.Errorf("check run of %s: %w", headSHA, err)
	}
	if leaseUntil > 0 {
		s.LeaseUntil = time.UnixMilli(leaseUntil).UTC()
	}
	return s, nil
}

// ClaimCheckRun takes the lease on the check run row of (RepoID, HeadSHA)
// for owner until now+lease, creating the row if there is none. It reports
// claimed false, and changes nothing, while another owner's lease runs.
// fresh is true when the row was created by this call: no job has ever
// tried to create a run for the commit.
//
// The row's primary key is what keeps two jobs (a redelivery under a new
// delivery ID, two machines) from both creating a run: only the one that
// holds the lease talks to GitHub about this commit's run.
func (db *DB) ClaimCheckRun(ctx context.Context, key CheckRunState, owner string, lease time.Duration) (s CheckRunState, claimed, fresh bool, err error) {
	if owner == "" {
		return CheckRunState{}, false, false, errors.New("claim check run: empty owner")
	}
	t := now()
	until := t.Add(lease).UnixMilli()
	q := db.Q()
	n, err := q.Exec(ctx, `INSERT INTO check_runs (repo_id, head_sha, repo, pr_number, lease_owner, lease_until, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repo_id, head_sha) DO NOTHING`,
		key.RepoID, key.HeadSHA, key.Repo, key.PR, owner, until, t, t)
	if err != nil {
		return CheckRunState{}, false, false, fmt.Errorf("claim check run of %s: %w", key.HeadSHA, err)
	}
	fresh = n == 1
	if !fresh {
		n, err = q.Exec(ctx, `UPDATE check_runs SET lease_owner = ?, lease_until = ?, updated_at = ?
			WHERE repo_id = ? AND head_sha = ? AND (lease_owner = '' OR lease_owner = ? OR lease_until < ?)`,
			owner, until, t, key.RepoID, key.HeadSHA, owner, t.UnixMilli())
		if err != nil {
			return CheckRunState{}, false, false, fmt.Errorf("claim check run of %s: %w", key.HeadSHA, err)
		}
	}
	s, err = checkRun(ctx, q, key.RepoID, key.HeadSHA)
	if err != nil {
		return CheckRunState{}, false, false, err
	}
	return s, n == 1, fresh, nil
}

// SaveCheckRun records what owner did to the run (its ID, external_id,
// status, conclusion, annotations sent, pull request). It fails with
// ErrLeaseLost when owner's lease is gone.
func (db *DB) SaveCheckRun(ctx context.Context, owner string, s CheckRunState) error {
	n, err := db.Q().Exec(ctx, `UPDATE check_runs SET check_run_id = ?, external_id = ?, status = ?, conclusion = ?,
		annotations_sent = ?, pr_number = ?, updated_at = ?
		WHERE repo_id = ? AND head_sha = ? AND lease_owner = ?`,
		s.CheckRunID, s.ExternalID, s.Status, s.Conclusion, s.AnnotationsSent, s.PR, now(),
		s.RepoID, s.HeadSHA, owner)
	if err != nil {
		return fmt.Errorf("save check run of %s: %w", s.HeadSHA, err)
	}
	if n == 0 {
		return fmt.Errorf("save check run of %s: %w", s.HeadSHA, ErrLeaseLost)
	}
	return nil
}

// ReleaseCheckRun gives up owner's lease on the row, if owner holds it.
func (db *DB) ReleaseCheckRun(ctx context.Context, repoID int64, headSHA, owner string) error {
	_, err := db.Q().Exec(ctx, `UPDATE check_runs SET lease_owner = '', lease_until = 0
		WHERE repo_id = ? AND head_sha = ? AND lease_owner = ?`, repoID, headSHA, owner)
	if err != nil {
		return fmt.Errorf("release check run of %s: %w", headSHA, err)
	}
	return nil
}

// PruneCheckRuns forgets rows not touched since cutoff. A forgotten row
// costs little: a rerun of such an old commit creates a new run.
func (db *DB) PruneCheckRuns(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := db.Q().Exec(ctx, "DELETE FROM check_runs WHERE updated_at < ?", cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune check runs: %w", err)
	}
	return n, nil
}
