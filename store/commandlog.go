package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CommandLogEntry is one mutating /djsec command, as run: the audit trail.
type CommandLogEntry struct {
	RepoID    int64
	Repo      string // owner/name
	Number    int    // the issue or pull request the comment is on
	CommentID int64
	Login     string
	Command   string // the command in canonical form
	OK        bool
	Result    string // what djsec answered, in one line
	At        time.Time
}

// LogCommand appends e to the audit trail.
func (db *DB) LogCommand(ctx context.Context, e CommandLogEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	ok := 0
	if e.OK {
		ok = 1
	}
	_, err := db.Q().Exec(ctx, `INSERT INTO command_log (repo_id, repo, number, comment_id, login, command, ok, result, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.RepoID, e.Repo, e.Number, e.CommentID, e.Login, e.Command, ok, e.Result, e.At.UTC())
	if err != nil {
		return fmt.Errorf("log command: %w", err)
	}
	return nil
}

// CommandLog returns a repository's audit trail, oldest first.
func (db *DB) CommandLog(ctx context.Context, repoID int64) ([]CommandLogEntry, error) {
	rows, err := db.Q().Query(ctx, `SELECT repo, number, comment_id, login, command, ok, result, created_at
		FROM command_log WHERE repo_id = ? ORDER BY id`, repoID)
	if err != nil {
		return nil, fmt.Errorf("command log: %w", err)
	}
	defer rows.Close()
	var out []CommandLogEntry
	for rows.Next() {
		e := CommandLogEntry{RepoID: repoID}
		var ok int
		if err := rows.Scan(&e.Repo, &e.Number, &e.CommentID, &e.Login, &e.Command, &ok, &e.Result, &e.At); err != nil {
			return nil, fmt.Errorf("command log: %w", err)
		}
		e.OK, e.At = ok == 1, e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("command log: %w", err)
	}
	return out, nil
}

// CommandReply returns the ID of djsec's reply to a comment, or ErrNotFound.
func (db *DB) CommandReply(ctx context.Context, repoID, commentID int64) (int64, error) {
	var id int64
	if err := db.Q().QueryRow(ctx, `SELECT reply_id FROM command_replies WHERE repo_id = ? AND comment_id = ?`,
		repoID, commentID).Scan(&id); err != nil {
		return 0, fmt.Errorf("reply to comment %d: %w", commentID, err)
	}
	return id, nil
}

// SaveCommandReply remembers djsec's reply to a comment.
func (db *DB) SaveCommandReply(ctx context.Context, repoID, commentID, replyID int64) error {
	_, err := db.Q().Exec(ctx, `INSERT INTO command_replies (repo_id, comment_id, reply_id, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (repo_id, comment_id) DO UPDATE SET reply_id = excluded.reply_id, updated_at = excluded.updated_at`,
		repoID, commentID, replyID, now())
	if err != nil {
		return fmt.Errorf("save reply to comment %d: %w", commentID, err)
	}
	return nil
}

// CommandUses is how many commands login ran in the repository since
// since, and whether djsec already said they went over the limit then.
func (db *DB) CommandUses(ctx context.Context, repoID int64, login string, since time.Time) (n int, noticed bool, err error) {
	var notices int
	if err := db.Q().QueryRow(ctx, `SELECT COALESCE(SUM(n), 0), COALESCE(SUM(notice), 0) FROM command_uses
		WHERE repo_id = ? AND login = ? AND used_at > ?`, repoID, login, since.UTC()).Scan(&n, &notices); err != nil {
		return 0, false, fmt.Errorf("command uses of %s: %w", login, err)
	}
	return n, notices > 0, nil
}

// RecordCommandUses counts n commands by login at at; notice records the
// reply that says the limit is reached.
func (db *DB) RecordCommandUses(ctx context.Context, repoID int64, login string, at time.Time, n int, notice bool) error {
	nt := 0
	if notice {
		nt = 1
	}
	if _, err := db.Q().Exec(ctx, `INSERT INTO command_uses (repo_id, login, used_at, n, notice) VALUES (?, ?, ?, ?, ?)`,
		repoID, login, at.UTC(), n, nt); err != nil {
		return fmt.Errorf("record command uses of %s: %w", login, err)
	}
	return nil
}

// PruneCommandUses forgets uses older than cutoff (the limit looks back a
// minute).
func (db *DB) PruneCommandUses(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := db.Q().Exec(ctx, "DELETE FROM command_uses WHERE used_at < ?", cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune command uses: %w", err)
	}
	return n, nil
}

// Claim outcomes of ClaimComment.
type Claim int

const (
	// ClaimRun: this job answers this version of the comment.
	ClaimRun Claim = iota
	// ClaimSkip: this version (a replay) or a newer one was answered or
	// is being answered by another job.
	ClaimSkip
	// ClaimBusy: another job is answering an older version and has not
	// replied yet; retry, then edit its reply.
	ClaimBusy
)

// claimLease is how long another job's claim without a reply holds: past
// it, that job is taken for dead.
const claimLease = 5 * time.Minute

// ClaimComment decides whether job answers version of a comment (versions
// are GitHub's updated_at strings, which order as text) and returns djsec's
// reply to the comment so far (0: none).
func (db *DB) ClaimComment(ctx context.Context, repoID, commentID int64, version string, job int64) (Claim, int64, error) {
	var reply, owner int64
	var have string
	var at time.Time
	err := db.Q().QueryRow(ctx, `SELECT reply_id, comment_version, claimed_job, updated_at FROM command_replies
		WHERE repo_id = ? AND comment_id = ?`, repoID, commentID).Scan(&reply, &have, &owner, &at)
	switch {
	case errors.Is(err, ErrNotFound):
		res, err := db.Q().Exec(ctx, `INSERT INTO command_replies (repo_id, comment_id, reply_id, updated_at, comment_version, claimed_job)
			VALUES (?, ?, 0, ?, ?, ?) ON CONFLICT (repo_id, comment_id) DO NOTHING`, repoID, commentID, now(), version, job)
		if err != nil {
			return 0, 0, fmt.Errorf("claim comment %d: %w", commentID, err)
		}
		if res == 0 {
			return ClaimBusy, 0, nil // another job claimed it meanwhile
		}
		return ClaimRun, 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("claim comment %d: %w", commentID, err)
	}
	if owner == job {
		return ClaimRun, reply, nil // this job's retry
	}
	if version < have || (version == have && have != "") {
		return ClaimSkip, reply, nil
	}
	if reply == 0 && owner != 0 && now().Sub(at) < claimLease {
		return ClaimBusy, reply, nil
	}
	res, err := db.Q().Exec(ctx, `UPDATE command_replies SET comment_version = ?, claimed_job = ?, updated_at = ?
		WHERE repo_id = ? AND comment_id = ? AND comment_version = ? AND claimed_job = ?`,
		version, job, now(), repoID, commentID, have, owner)
	if err != nil {
		return 0, 0, fmt.Errorf("claim comment %d: %w", commentID, err)
	}
	if res == 0 {
		return ClaimBusy, reply, nil
	}
	return ClaimRun, reply, nil
}
