package jobs

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// KindFixup is a fix-up pull request someone asked for.
const KindFixup = "fixup"

// Fixup triggers.
const (
	FixupByCommand = "command" // `/djsec fix [RULE...]`
	FixupByButton  = "button"  // the check run's "Open fix-up PR"
)

// FixupMaxAttempts: a fix-up is worth retrying through a GitHub outage of
// a few minutes (1 s, 16 s, 81 s, 256 s), not for hours: whoever asked is
// waiting for the reply, which says it failed after the last attempt.
const FixupMaxAttempts = 5

// FixupArgs: build (or refresh) the fix-up pull request of a pull request,
// or of the default branch when the command was written on an issue
// (package fixup). Its own kind, so its timeout and retries are its own
// and not the 2-minute limit of the comment or button job that asked.
type FixupArgs struct {
	Origin
	// Number is the pull request (PullRequest) or issue the request was
	// made on.
	Number      int      `json:"number"`
	PullRequest bool     `json:"pull_request"`
	Rules       []string `json:"rules,omitempty"`
	Trigger     string   `json:"trigger"`
	// Reply is djsec's reply to the command, edited with the outcome (the
	// link, or why nothing was opened). 0 for the button.
	Reply int64 `json:"reply,omitempty"`
	// Sender asked for it (logged).
	Sender string `json:"sender,omitempty"`
}

func (FixupArgs) Kind() string { return KindFixup }
func (a FixupArgs) LogAttrs() []slog.Attr {
	return []slog.Attr{slog.Int("number", a.Number), slog.Bool("pull_request", a.PullRequest),
		slog.String("trigger", a.Trigger), slog.Any("rules", a.Rules)}
}

// InsertOpts: the same request (a comment job retried after queueing it, a
// double click on the button) is queued once while it waits.
func (a FixupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: FixupMaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 10 * time.Minute,
			ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStateRunning}},
	}
}

// FixupTimeout is the fix-up job's deadline for a given job timeout and
// rescue delay: twice the others' (it reads a tree, analyzes, proves every
// edit and makes a commit), but always inside the rescue delay, so no
// other process takes over a fix-up that is still running.
func FixupTimeout(jobTimeout, rescueAfter time.Duration) time.Duration {
	return max(jobTimeout, min(2*jobTimeout, rescueAfter*4/5))
}

// FixRequest is a press of the check run's "Open fix-up PR" button by
// someone allowed to run /djsec fix: what jobs/checkrun hands the fix-up
// (jobs/fixup), which queues a FixupArgs job for it.
type FixRequest struct {
	Origin     Origin
	PR         int
	HeadSHA    string
	CheckRunID int64
	Sender     string
}
